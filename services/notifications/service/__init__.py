"""Notification use cases; each runs in the one transaction it is handed."""

# The CloudEvents source of every event notifications publishes.
SOURCE = "/campusflow/notifications"
