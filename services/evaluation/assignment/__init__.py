"""ReviewAssigner: the optimisation engine behind committee review assignment."""
