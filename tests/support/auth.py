"""Tokens for tests: what a person of a role and college sends (the demo's own helper)."""

from tools.demo.seed import demo_token as bearer

__all__ = ["bearer"]
