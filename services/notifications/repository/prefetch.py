"""Facts a batch of messages reads for many people at once (one event's recipients, one
dispatcher round): prefetched in one round trip, then served to the per-person reads
(`planning_facts.planning_facts`, `preferences.contact_address`) from memory for as long as
the `with` lasts — in this task, for this connection only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar

import asyncpg

# (id of the connection, what, college, the person and the channel or category)
PrefetchKey = tuple[int, str, str, str]
_PREFETCHED: ContextVar[dict[PrefetchKey, object] | None] = ContextVar(
    "notifications_prefetched", default=None
)


@asynccontextmanager
async def contact_addresses_prefetched(
    conn: asyncpg.Connection, wanted: Sequence[tuple[str, str, str]]
) -> AsyncIterator[None]:
    """Within the block, `contact_address` of these (college, person, channel) answers
    from one query made here (None for one without an address) instead of one each."""
    rows = await conn.fetch(
        "SELECT w.college, w.person_id, w.channel, c.address"
        " FROM unnest($1::text[], $2::text[], $3::text[]) AS w(college, person_id, channel)"
        " LEFT JOIN contact_points c ON c.college = w.college"
        "  AND c.person_id = w.person_id AND c.channel = w.channel",
        [college for college, _, _ in wanted],
        [person for _, person, _ in wanted],
        [channel for _, _, channel in wanted],
    )
    found: dict[PrefetchKey, object] = {
        (id(conn), "address", row["college"], f"{row['person_id']}\x1f{row['channel']}"): row[
            "address"
        ]
        for row in rows
    }
    with prefetched(found):
        yield


@contextmanager
def prefetched(values: dict[PrefetchKey, object]) -> Iterator[None]:
    token = _PREFETCHED.set({**(_PREFETCHED.get() or {}), **values})
    try:
        yield
    finally:
        _PREFETCHED.reset(token)


def from_prefetch(key: PrefetchKey) -> tuple[bool, object]:
    """(True, the value) when `key` was prefetched in this task, else (False, None)."""
    known = _PREFETCHED.get()
    if known is None or key not in known:
        return False, None
    return True, known[key]
