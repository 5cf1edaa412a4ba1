"""PairingMatcher: the optimisation engine behind pairing runs."""
