"""Recruitment rules (DOMAIN.md section 1): pure, no I/O, time passed in."""
