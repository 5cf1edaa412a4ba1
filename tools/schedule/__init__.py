"""Scheduling problems solved from files (`campusflow schedule ...`) and their benchmarks."""
