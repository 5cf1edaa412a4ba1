"""Demo data of the scheduling service, loaded through its API only."""
