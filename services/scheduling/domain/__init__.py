"""Scheduling rules (DOMAIN.md section 2): pure, no I/O, time passed in."""
