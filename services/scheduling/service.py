"""Scheduling use cases; each runs in the one transaction it is handed (none yet)."""
