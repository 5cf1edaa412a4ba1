"""The similarity check against a report re-indexed while it runs, on PostgreSQL.

A check reads the index in several statements (READ COMMITTED: each its own snapshot):
the candidates from one lookup, then the chosen candidates' indexed version and text. A
report re-indexed in between (its new version submitted and committed by another
transaction) must neither take a candidate slot nor be verified against text whose
fingerprints were not counted, and the authors' own reports (and the report itself) must
be known as of the lookup. The interleaving is forced: the check runs on its own
connection, and just before the statement a test picks, another connection submits the
new version and commits (`Interleaved`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, cast
from uuid import UUID

import asyncpg
import pytest

from services.evaluation.domain.similarity_text import normalise
from services.evaluation.service import similarity as gate
from services.evaluation.service.similarity import GateLimits, GateOutcome, check_submission
from shared.messaging.failures import is_retryable
from shared.rules import TryAgain
from tests.e2e.evaluation.similarity_support import (
    new_report,
    new_season,
    submit,
    unique_college,
    unrelated_body,
)

pytestmark = pytest.mark.e2e

SEASON = "2026-autumn"
# Three candidates verified (3 × max_sources): a fourth sharing report has no slot.
LIMITS = GateLimits(max_sources=1)


def is_lookup(sql: str) -> bool:
    return "similarity_fingerprints" in sql


def is_fetch(sql: str) -> bool:
    return "report_versions" in sql


class Interleaved:
    """The check's connection: before each of its `fetch`es that `before` picks (at most
    `times`), `meanwhile` runs to completion on another connection (and commits)."""

    def __init__(
        self,
        conn: asyncpg.Connection,
        before: Callable[[str], bool],
        meanwhile: Callable[[], Awaitable[None]],
        times: int = 1,
    ) -> None:
        self._conn = conn
        self._before = before
        self._meanwhile = meanwhile
        self.left = times
        self.done = 0

    async def fetch(self, query: str, *args: Any, **kwargs: Any) -> list[asyncpg.Record]:
        if self.left and self._before(query):
            self.left -= 1
            self.done += 1
            await self._meanwhile()
        return cast(list[asyncpg.Record], await self._conn.fetch(query, *args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


@pytest.fixture
async def other(service_dsns: dict[str, str]) -> AsyncIterator[asyncpg.Connection]:
    """A second connection: the concurrent submission of a new version."""
    connection = await asyncpg.connect(service_dsns["evaluation"])
    try:
        yield connection
    finally:
        await connection.close()


async def checked(conn: Interleaved, college: str, report_id: UUID, body: str) -> GateOutcome:
    """The check's read half in a READ COMMITTED transaction, as a re-check runs it."""
    async with conn._conn.transaction():
        _, outcome = await check_submission(
            cast(asyncpg.Connection, conn),
            college=college,
            season=SEASON,
            report_id=report_id,
            body=body,
            limits=LIMITS,
            remember_common=False,
        )
    return outcome


def around(passage: str) -> str:
    return unrelated_body(300) + "。" + passage + "。" + unrelated_body(300)


async def crowded(conn: asyncpg.Connection) -> tuple[str, dict[str, tuple[UUID, str]], str]:
    """Reports a, b, c and s, each sharing one passage with the query (a the longest, s
    the shortest): the three best-sharing (a, b, c) take the three slots. Returns the
    college, each report (id, passage) and the query's body."""
    college = unique_college()
    await new_season(conn, college, SEASON)
    made: dict[str, tuple[UUID, str]] = {}
    for name, length in (("a", 700), ("b", 550), ("c", 420), ("s", 300)):
        passage = unrelated_body(length)
        report = await new_report(conn, college, SEASON, [f"author-{name}"])
        await submit(conn, college, SEASON, report, around(passage))
        made[name] = (report, passage)
    query = "。".join([unrelated_body(300)] + [made[n][1] for n in "abcs"] + [unrelated_body(300)])
    return college, made, query


def matched(outcome: GateOutcome) -> dict[UUID, int]:
    """Verified matches: source report -> its version."""
    return {
        outcome.sources[m.source_id].report_id: outcome.sources[m.source_id].version
        for m in outcome.result.matches
    }


async def _nothing() -> None:
    return None


async def test_without_a_race_the_fourth_sharing_report_has_no_slot(
    conn: asyncpg.Connection,
) -> None:
    college, made, query = await crowded(conn)
    querier = await new_report(conn, college, SEASON, ["querier"])
    outcome = await checked(Interleaved(conn, is_fetch, _nothing, 0), college, querier, query)
    assert outcome.candidates == 3
    assert matched(outcome) == {made["a"][0]: 1, made["b"][0]: 1, made["c"][0]: 1}


async def test_a_candidate_reindexed_before_the_fetch_gives_its_slot_to_the_next_match(
    conn: asyncpg.Connection, other: asyncpg.Connection
) -> None:
    """a's new version (sharing nothing) is committed between the lookup and the fetch:
    the check does not spend a slot on a's old document; s, a real match, is verified."""
    college, made, query = await crowded(conn)
    querier = await new_report(conn, college, SEASON, ["querier"])
    a = made["a"][0]

    async def resubmit_a() -> None:
        await submit(other, college, SEASON, a, unrelated_body(1300))

    interleaved = Interleaved(conn, is_fetch, resubmit_a)
    outcome = await checked(interleaved, college, querier, query)
    assert interleaved.done == 1
    assert matched(outcome) == {made["b"][0]: 1, made["c"][0]: 1, made["s"][0]: 1}


async def test_a_candidate_reindexed_before_the_fetch_is_verified_on_its_new_version(
    conn: asyncpg.Connection, other: asyncpg.Connection
) -> None:
    """a's new version still holds the copied passage, elsewhere in its text: a is
    matched at version 2, positions and text taken from the version whose fingerprints
    were counted."""
    college, made, query = await crowded(conn)
    querier = await new_report(conn, college, SEASON, ["querier"])
    a, passage = made["a"]
    second = unrelated_body(900) + "。" + passage + "。" + unrelated_body(200)

    async def resubmit_a() -> None:
        await submit(other, college, SEASON, a, second)

    interleaved = Interleaved(conn, is_fetch, resubmit_a)
    outcome = await checked(interleaved, college, querier, query)
    assert interleaved.done == 1
    assert matched(outcome) == {a: 2, made["b"][0]: 1, made["c"][0]: 1}
    (match,) = [m for m in outcome.result.matches if m.source_id == str(a)]
    assert outcome.texts[str(a)] == second
    covered = 0
    for p in match.passages:
        there = second[p.source_original_start : p.source_original_end]
        here = query[p.original_start : p.original_end]
        assert normalise(there).text == normalise(here).text
        assert p.source_original_start > 900  # where the passage is in version 2
        covered += p.length
    assert covered >= 0.9 * len(normalise(passage).text)


async def test_the_authors_own_report_reindexed_before_the_lookup_stays_their_own(
    conn: asyncpg.Connection, other: asyncpg.Connection
) -> None:
    """Alice reuses her own earlier report's text; that report gets a new version (the
    same text) just before the lookup. It is still her own work: nothing is matched."""
    college = unique_college()
    await new_season(conn, college, SEASON)
    passage = unrelated_body(900)
    earlier = await new_report(conn, college, SEASON, ["alice"])
    await submit(conn, college, SEASON, earlier, around(passage))
    new = await new_report(conn, college, SEASON, ["carol", "alice"])
    body = passage + "。" + unrelated_body(1500)

    async def resubmit_earlier() -> None:
        await submit(other, college, SEASON, earlier, around(passage))

    interleaved = Interleaved(conn, is_lookup, resubmit_earlier)
    outcome = await checked(interleaved, college, new, body)
    assert interleaved.done == 1
    assert outcome.result.matches == () and not outcome.flagged
    assert outcome.sources[str(earlier)].version == 2  # verified as her own, version 2


async def test_a_recheck_never_spends_a_slot_on_the_report_itself_indexed_anew_meanwhile(
    conn: asyncpg.Connection, other: asyncpg.Connection
) -> None:
    """A re-check of version 1 while version 2 (version 1 plus a paragraph) is submitted
    and indexed just before the lookup: the report is no candidate of its own, and the
    three reports it copies from take the three slots."""
    college = unique_college()
    await new_season(conn, college, SEASON)
    sources = []
    passages = [unrelated_body(n) for n in (500, 450, 400)]
    for i, passage in enumerate(passages):
        source = await new_report(conn, college, SEASON, [f"source-{i}"])
        await submit(conn, college, SEASON, source, around(passage))
        sources.append(source)
    report = await new_report(conn, college, SEASON, ["dora"])
    first = "。".join([unrelated_body(500), *passages, unrelated_body(500)])
    await submit(conn, college, SEASON, report, first)

    async def second_version() -> None:
        await submit(other, college, SEASON, report, first + "。" + unrelated_body(400))

    interleaved = Interleaved(conn, is_lookup, second_version)
    outcome = await checked(interleaved, college, report, first)
    assert interleaved.done == 1
    assert str(report) not in outcome.sources
    assert matched(outcome) == dict.fromkeys(sources, 1)


async def test_a_candidate_reindexed_before_every_fetch_fails_the_submission_as_retryable(
    conn: asyncpg.Connection, other: asyncpg.Connection
) -> None:
    """a is re-indexed again before each of the check's fetches: after CHECK_ATTEMPTS
    lookups the submission fails as retryable (the API's 503 with Retry-After, a timer's
    postponement) rather than verified on fewer candidates, and nothing of it is kept."""
    college, made, query = await crowded(conn)
    querier = await new_report(conn, college, SEASON, ["querier"])
    a, passage = made["a"]

    async def resubmit_a() -> None:
        await submit(other, college, SEASON, a, around(passage))

    interleaved = Interleaved(conn, is_fetch, resubmit_a, times=100)
    with pytest.raises(TryAgain) as refused:
        await submit(cast(asyncpg.Connection, interleaved), college, SEASON, querier, query)
    assert is_retryable(refused.value)
    assert interleaved.done == gate.CHECK_ATTEMPTS
    assert (
        await conn.fetchval("SELECT current_version FROM reports WHERE report_id = $1", querier)
        == 0
    )
    assert (
        await conn.fetchval("SELECT count(*) FROM similarity_results WHERE report_id = $1", querier)
        == 0
    )
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM similarity_documents WHERE report_id = $1", querier
        )
        == 0
    )
    # once the re-indexing stops, the same submission goes through and names a
    assert await submit(conn, college, SEASON, querier, query, limits=LIMITS) == 1
    names = await conn.fetch(
        "SELECT source_report_id FROM similarity_matches WHERE report_id = $1", querier
    )
    assert [r["source_report_id"] for r in names] == [a]
