"""Notifications: templates, channels, preferences, reminders, delivery tracking."""
