"""Recruitment use cases, one module per aggregate; each runs in the transaction it is handed."""
