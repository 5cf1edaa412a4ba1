"""Dead letters: list and replay them (`campusflow dlt`)."""
