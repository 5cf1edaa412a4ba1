"""Deployment manifests that are generated from code, so they cannot drift from it."""
