"""What every scheduling capability raises when a rule of the work refuses a request:
the kernel's `RuleBroken` (422 for a rule about the input, 409 otherwise)."""

from shared.rules import NotFound, RuleBroken

__all__ = ["NotFound", "RuleBroken"]
