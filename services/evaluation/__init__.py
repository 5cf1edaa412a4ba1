"""Evaluation: reports, reviews, grades, awards, credits, similarity checks, staff assessment."""
