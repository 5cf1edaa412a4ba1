"""Evaluation rules (DOMAIN.md section 3): pure, no I/O, time passed in."""
