"""All SQL of the scheduling service (its tables arrive with its issue)."""
