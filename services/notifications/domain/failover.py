"""Failover: where a message goes when a channel gives up on it.

The path is the recipient's ordered channels for the kind (e.g. sms -> email -> inapp).
The next channel is the first one after the failed one that the message has not tried
yet; the in-app inbox counts as tried once its notice is written (at the start when it
is on the path).
"""

from __future__ import annotations

from collections.abc import Sequence


def next_channel(path: Sequence[str], failed: str, *, tried: Sequence[str]) -> str | None:
    """The channel after `failed` on `path` not yet in `tried`; None at the end."""
    after = list(path[path.index(failed) + 1 :]) if failed in path else list(path)
    return next((channel for channel in after if channel not in tried), None)
