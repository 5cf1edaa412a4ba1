"""The one exception the local stack raises for failures a user can act on."""

from __future__ import annotations


class StackError(RuntimeError):
    """An expected failure (missing binary, port in use, timeout) with a message that says
    what went wrong and how to fix it. The CLI prints it without a traceback."""
