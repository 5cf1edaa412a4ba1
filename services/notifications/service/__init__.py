"""Notifications use cases, one module per aggregate; each runs in the one transaction
it is handed."""
