"""The refusals every service's domain and use cases raise, and the kernel renders.

`RuleBroken` says a rule refuses the request: a rule about the input itself (`invalid`,
answered 422) or about the state of things (answered 409). `NotFound` says what was
looked for is not there (404). Both are plain exceptions: the domain raises them without
knowing about HTTP or Kafka; the web kernel renders them as problem+json (one handler
each), and the consumer kernel dead-letters an event whose handler raises `RuleBroken`.
`TryAgain` says what the use case read changed under it (another transaction's commit):
the same request, event or timer run again will succeed; the web kernel answers 503 with
Retry-After, the consumer and timer kernels retry it like a brief outage.
"""

from __future__ import annotations


class RuleBroken(ValueError):
    """A rule refuses the request; `field` and `rule` name which, for the problem answer."""

    def __init__(self, rule: str, *, field: str, message: str, invalid: bool = False) -> None:
        super().__init__(message)
        self.rule = rule
        self.field = field
        self.message = message
        self.invalid = invalid

    def __repr__(self) -> str:
        return f"{type(self).__name__}(rule={self.rule!r}, field={self.field!r}, {self.message!r})"


class NotFound(LookupError):
    """`what` (e.g. "campaign") with this id does not exist, or not for the caller."""

    def __init__(self, what: str, id: object = None) -> None:
        self.what = what
        self.id = id
        super().__init__(f"{what} {id} not found" if id is not None else f"{what} not found")


class TryAgain(Exception):
    """What the use case read changed under it: run it again (nothing was saved)."""
