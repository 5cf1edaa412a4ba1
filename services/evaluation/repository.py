"""All SQL of the evaluation service (its tables arrive with its issue)."""
