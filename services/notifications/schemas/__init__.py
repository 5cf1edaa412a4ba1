"""Notifications request and response models, one module per aggregate,
built from domain objects."""
