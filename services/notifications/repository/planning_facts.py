"""All a delivery plan reads about a person for one category, in one round trip; for
one event's recipients at once, prefetched (repository/prefetch.py) in one query."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import cast

import asyncpg

from services.notifications.domain.preferences import DEFAULT_LOCALE, CategoryPreference
from services.notifications.domain.quiet_hours import DEFAULT_TIME_ZONE, QuietHours
from services.notifications.repository.preferences import Person, preference_of
from services.notifications.repository.prefetch import PrefetchKey, from_prefetch, prefetched


@dataclass(frozen=True)
class PlanningFacts:
    """All a delivery plan reads about a person, for one category (one round trip)."""

    person: Person
    reachable: frozenset[str]
    preference: CategoryPreference | None
    quiet_hours: QuietHours | None


async def planning_facts(
    conn: asyncpg.Connection, *, college: str, person_id: str, category: str
) -> PlanningFacts:
    hit, facts = from_prefetch((id(conn), "facts", college, f"{person_id}\x1f{category}"))
    if hit:
        return cast(PlanningFacts, facts)
    row = await conn.fetchrow(
        "SELECT p.display_name, p.locale, p.time_zone,"
        " (SELECT coalesce(array_agg(c.channel), '{}') FROM contact_points c"
        "   WHERE c.college = $1 AND c.person_id = $2) AS reachable,"
        " q.starts, q.ends,"
        " f.category, f.channels, f.enabled, f.quiet_handling, f.digest"
        " FROM (SELECT 1) AS one"
        " LEFT JOIN people p ON p.college = $1 AND p.person_id = $2"
        " LEFT JOIN quiet_hours q ON q.college = $1 AND q.person_id = $2"
        " LEFT JOIN preferences f ON f.college = $1 AND f.person_id = $2 AND f.category = $3",
        college,
        person_id,
        category,
    )
    assert row is not None  # (SELECT 1) always gives one row
    return _planning_facts(person_id, row)


def _planning_facts(person_id: str, row: asyncpg.Record) -> PlanningFacts:
    if row["locale"] is None:
        person = Person(person_id, None, DEFAULT_LOCALE, DEFAULT_TIME_ZONE)
    else:
        person = Person(person_id, row["display_name"], row["locale"], row["time_zone"])
    return PlanningFacts(
        person=person,
        reachable=frozenset(row["reachable"]),
        preference=preference_of(row) if row["category"] is not None else None,
        quiet_hours=QuietHours(row["starts"], row["ends"]) if row["starts"] is not None else None,
    )


@asynccontextmanager
async def planning_facts_prefetched(
    conn: asyncpg.Connection, *, college: str, person_ids: Sequence[str], category: str
) -> AsyncIterator[None]:
    """Within the block, `planning_facts` of these people (this connection, this
    category) answers from one query made here instead of one query each."""
    rows = await conn.fetch(
        "SELECT w.person_id, p.display_name, p.locale, p.time_zone,"
        " (SELECT coalesce(array_agg(c.channel), '{}') FROM contact_points c"
        "   WHERE c.college = $1 AND c.person_id = w.person_id) AS reachable,"
        " q.starts, q.ends,"
        " f.category, f.channels, f.enabled, f.quiet_handling, f.digest"
        " FROM unnest($2::text[]) AS w(person_id)"
        " LEFT JOIN people p ON p.college = $1 AND p.person_id = w.person_id"
        " LEFT JOIN quiet_hours q ON q.college = $1 AND q.person_id = w.person_id"
        " LEFT JOIN preferences f ON f.college = $1 AND f.person_id = w.person_id"
        "  AND f.category = $3",
        college,
        list(dict.fromkeys(person_ids)),
        category,
    )
    facts: dict[PrefetchKey, object] = {
        (id(conn), "facts", college, f"{row['person_id']}\x1f{category}"): _planning_facts(
            row["person_id"], row
        )
        for row in rows
    }
    with prefetched(facts):
        yield
