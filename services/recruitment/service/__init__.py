"""Recruitment use cases, one module per aggregate; each runs in the transaction it is handed."""

# The CloudEvents source of every event recruitment publishes.
SOURCE = "/campusflow/recruitment"
