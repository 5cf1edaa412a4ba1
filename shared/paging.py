"""Which slice of a listing to read: one value, handed from the route down to the SQL."""

from __future__ import annotations

from dataclasses import dataclass

MAX_LIMIT = 200
MAX_OFFSET = 100_000


@dataclass(frozen=True)
class Paging:
    """At most `limit` items, after skipping the first `offset`, in the listing's order."""

    limit: int = 50
    offset: int = 0
