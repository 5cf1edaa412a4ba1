"""Notification rules (DOMAIN.md section 4): pure, no I/O, time passed in."""
