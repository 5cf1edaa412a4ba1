"""What every recruitment capability raises when a rule of the work refuses a request."""

from __future__ import annotations


class RuleBroken(ValueError):
    """A rule refuses the request; `field` and `rule` name which, for the problem+json answer.

    `invalid` marks rules about the input itself (answered 422) where a capability
    distinguishes them from rules about the state of things (answered 409).
    """

    def __init__(self, *, field: str, rule: str, message: str, invalid: bool = False) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule
        self.invalid = invalid
