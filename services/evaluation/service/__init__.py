"""Evaluation use cases, one module per aggregate; each runs in the one transaction
it is handed."""

# The CloudEvents source of every event evaluation publishes.
SOURCE = "/campusflow/evaluation"
