"""Benchmarks of the platform on a real stack (`campusflow bench ...`); not tests.

`backbone`: raw Kafka throughput against the kernel's outbox → relay → inbox
path, and the latency of that path at a fixed rate.
"""
