"""Operator and developer tooling: the `campusflow` CLI, the local stack, the demo,
benchmarks, dead-letter replay and manifest generation. Never imported by `shared` or a service."""
