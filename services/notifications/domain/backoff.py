"""Retry delays for a channel's temporary failures: exponential with full jitter.

The n-th failed try waits a random time in [base/2, base) * 2**(n-1), capped: spread out
so that many deliveries failing together (a provider outage) do not retry together.
"""

from __future__ import annotations

FIRST_DELAY_S = 2.0
MAX_DELAY_S = 600.0


def retry_delay_s(
    failed_tries: int,
    *,
    jitter: float,
    first_s: float = FIRST_DELAY_S,
    max_s: float = MAX_DELAY_S,
) -> float:
    """Seconds to wait after the `failed_tries`-th failure (>= 1); `jitter` in [0, 1)."""
    if failed_tries < 1:
        raise ValueError("a retry follows at least one failed try")
    if not 0.0 <= jitter < 1.0:
        raise ValueError("jitter is in [0, 1)")
    ceiling = min(max_s, first_s * 2 ** (failed_tries - 1))
    return ceiling * (0.5 + jitter / 2)
