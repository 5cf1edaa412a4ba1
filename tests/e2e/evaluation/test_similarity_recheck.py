"""The cohort re-check on the running evaluation service: a report checked and graded
before the report it copied from arrived is flagged by the chair's re-check (its grade
stays), and misconduct then revokes the credit its grade earned (CreditsRevoked on
Kafka); the season's re-check fires by itself when the submission window closes (a
durable timer, moved with the window); bad input is refused and changes nothing."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from shared.events.evaluation import (
    CreditsAwarded,
    CreditsRevoked,
    IntegrityDecided,
    SimilarityFlagged,
)
from tests.e2e.evaluation.college import COLLEGE
from tests.e2e.evaluation.grades_support import (
    TEACHER,
    api,
    grade,
    make_season,
    problem,
    review,
    wait_for_events,
)
from tests.e2e.evaluation.similarity_support import (
    integrity,
    new_report,
    submit,
    unrelated_body,
)
from tests.support.auth import bearer
from tools.bench.evaluation_similarity_corpus import copy_into, full_report
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

CHAIR = bearer("cs-chair", "college_admin", COLLEGE)
SEASON_RECHECK = "season.similarity-recheck"


def copied_from(source_body: str) -> str:
    """A report pasting about 30% of `source_body` (a draft the copier got hold of).

    Only from the body, so what is copied is prose: a piece of the source's references
    section (its 参考文献 heading and entries) is ignored as references wherever it lands."""
    text, _ = copy_into(unrelated_body(), source_body, random.Random(7), 0.3, "edit")
    return text


async def state(conn: asyncpg.Connection, report_id: UUID) -> tuple[str, int, int]:
    """(integrity, similarity results of the report, its indexed document id)."""
    row = await conn.fetchrow(
        "SELECT r.integrity, (SELECT count(*) FROM similarity_results s"
        " WHERE s.report_id = r.report_id) AS results,"
        " (SELECT document_id FROM similarity_documents d WHERE d.report_id = r.report_id)"
        " AS document FROM reports r WHERE r.report_id = $1",
        report_id,
    )
    return row["integrity"], row["results"], row["document"]


async def test_graded_early_copy_flagged_by_recheck_then_misconduct_revokes_its_credit(
    conn: asyncpg.Connection,
    services: dict[str, str],
    service_dsns: dict[str, str],
    stack: StackEndpoints,
) -> None:
    season = await make_season(service_dsns)
    base = api(services)
    copier_id = f"stu-{uuid4().hex[:8]}"
    source_body = unrelated_body()
    source_text = full_report(source_body)
    # The copier submits first: nothing to match yet, so the gate finds nothing.
    copier = await new_report(conn, COLLEGE, season, [copier_id])
    await submit(conn, COLLEGE, season, copier, copied_from(source_body), now=datetime.now(UTC))
    assert await integrity(conn, copier) == "clear"
    await review(service_dsns, season, copier, {"rv-a": 82.0, "rv-b": 80.0})
    async with httpx.AsyncClient(timeout=60) as client:
        graded = await grade(client, base, copier)
        assert graded.status_code == 200, graded.text
        grade_before = graded.json()
        await wait_for_events(stack.kafka_bootstrap, CreditsAwarded.event_type, copier_id)

        # The report it copied from arrives later: its own gate flags IT (the copier's text).
        source = await new_report(conn, COLLEGE, season, [f"src-{uuid4().hex[:8]}"])
        await submit(conn, COLLEGE, season, source, source_text, now=datetime.now(UTC))
        assert await integrity(conn, source) == "flagged"
        assert await integrity(conn, copier) == "clear"  # the gate never re-checks it

        document_before = (await state(conn, copier))[2]
        rechecked = await client.post(f"{base}/reports/{copier}/similarity-recheck", headers=CHAIR)
        assert rechecked.status_code == 200, rechecked.text
        found = rechecked.json()
        assert found["checked"] and found["flagged"] and found["over_threshold"]
        assert (found["integrity_before"], found["integrity"]) == ("clear", "flagged")
        assert found["new_sources"] == [str(source)] and found["version"] == 1
        assert found["containment"] > found["threshold"]
        assert await state(conn, copier) == ("flagged", 1, document_before)  # not re-indexed
        [flag] = await wait_for_events(
            stack.kafka_bootstrap, SimilarityFlagged.event_type, str(copier)
        )
        assert flag["sources"][0]["report_id"] == str(source) and flag["version"] == 1
        similarity = (await client.get(f"{base}/reports/{copier}/similarity", headers=CHAIR)).json()
        assert similarity["matches"][0]["report_id"] == str(source)
        assert (await client.get(f"{base}/reports/{copier}/grade", headers=TEACHER)).json()[
            "grade"
        ] == grade_before["grade"]

        # Again: already flagged, left as it is (no second event).
        again = (
            await client.post(f"{base}/reports/{copier}/similarity-recheck", headers=CHAIR)
        ).json()
        assert (again["checked"], again["flagged"], again["integrity"]) == (
            False,
            False,
            "flagged",
        )

        decided = await client.post(
            f"{base}/reports/{copier}/integrity-decision",
            json={"decision": "misconduct", "reason": "提交在先，但文字抄自后交的团队报告草稿"},
            headers=CHAIR,
        )
        assert decided.status_code == 200, decided.text
        cleared = await client.post(
            f"{base}/reports/{source}/integrity-decision",
            json={"decision": "cleared", "reason": "原创报告，被他人抄袭"},
            headers=CHAIR,
        )
        assert cleared.status_code == 200, cleared.text
        [revoked] = await wait_for_events(
            stack.kafka_bootstrap, CreditsRevoked.event_type, copier_id
        )
        assert (revoked["report_id"], revoked["credits"], revoked["balance"]) == (
            str(copier),
            1,
            0,
        )
        for report, decision in ((copier, "misconduct"), (source, "cleared")):
            [event] = await wait_for_events(
                stack.kafka_bootstrap, IntegrityDecided.event_type, str(report)
            )
            assert event["decision"] == decision

        # The cleared source, re-checked: the same source as before -> stays cleared.
        source_again = (
            await client.post(f"{base}/reports/{source}/similarity-recheck", headers=CHAIR)
        ).json()
        assert source_again["checked"] and source_again["over_threshold"]
        assert (source_again["flagged"], source_again["integrity"]) == (False, "cleared")
        assert source_again["new_sources"] == []
        # The whole season: nothing new flagged, the decided copy left as it is.
        whole = await client.post(f"{base}/seasons/{season}/similarity-recheck", headers=CHAIR)
        assert whole.status_code == 200, whole.text
        assert (whole.json()["reports"], whole.json()["checked"], whole.json()["flagged"]) == (
            2,
            1,
            [],
        )
    assert await integrity(conn, copier) == "misconduct"
    assert await integrity(conn, source) == "cleared"


async def test_season_recheck_fires_when_the_window_closes_and_moves_with_it(
    conn: asyncpg.Connection, services: dict[str, str], stack: StackEndpoints
) -> None:
    season = f"2026-autumn-{uuid4().hex[:8]}"
    base = api(services)
    now = datetime.now(UTC)

    def window(closes_in: timedelta) -> dict[str, str]:
        return {
            "title": "2026 秋季社会实践",
            "term_starts_on": "2026-09-01",
            "opens_at": (now - timedelta(hours=1)).isoformat(),
            "closes_at": (datetime.now(UTC) + closes_in).isoformat(),
        }

    async with httpx.AsyncClient(timeout=30) as client:
        created = await client.put(
            f"{base}/seasons/{season}", json=window(timedelta(hours=1)), headers=CHAIR
        )
        assert created.status_code == 201, created.text
        source_body = unrelated_body()
        source_text = full_report(source_body)
        copier = await new_report(conn, COLLEGE, season, [f"stu-{uuid4().hex[:8]}"])
        await submit(conn, COLLEGE, season, copier, copied_from(source_body), now=now)
        source = await new_report(conn, COLLEGE, season, [f"src-{uuid4().hex[:8]}"])
        await submit(conn, COLLEGE, season, source, source_text, now=now)
        assert (await integrity(conn, copier), await integrity(conn, source)) == (
            "clear",
            "flagged",
        )
        # The chair brings the close forward: the one pending timer moves with it.
        moved = await client.put(
            f"{base}/seasons/{season}", json=window(timedelta(seconds=3)), headers=CHAIR
        )
        assert moved.status_code == 200, moved.text
    key = f"{COLLEGE}/{season}"
    rows = await conn.fetch(
        "SELECT due_at, fired_at FROM due_actions WHERE kind = $1 AND key = $2",
        SEASON_RECHECK,
        key,
    )
    assert len(rows) == 1 and rows[0]["fired_at"] is None
    assert rows[0]["due_at"] == datetime.fromisoformat(moved.json()["closes_at"])

    deadline = time.monotonic() + 30
    while await integrity(conn, copier) != "flagged":
        assert time.monotonic() < deadline, "the window-close re-check did not flag the copy"
        await asyncio.sleep(0.5)
    [flag] = await wait_for_events(stack.kafka_bootstrap, SimilarityFlagged.event_type, str(copier))
    assert flag["sources"][0]["report_id"] == str(source)
    fired = await conn.fetch(
        "SELECT fired_at, last_error FROM due_actions WHERE kind = $1 AND key = $2",
        SEASON_RECHECK,
        key,
    )
    assert len(fired) == 1 and fired[0]["fired_at"] is not None and fired[0]["last_error"] is None
    assert await integrity(conn, source) == "flagged"  # left as it was


async def test_recheck_refusals_change_nothing(
    conn: asyncpg.Connection, services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    season = await make_season(service_dsns)
    base = api(services)
    submitted = await new_report(conn, COLLEGE, season, [f"stu-{uuid4().hex[:8]}"])
    await submit(conn, COLLEGE, season, submitted, full_report(unrelated_body()))
    unsubmitted = await new_report(conn, COLLEGE, season, [f"stu-{uuid4().hex[:8]}"])
    before = await state(conn, submitted)
    async with httpx.AsyncClient(timeout=30) as client:
        for caller in (
            TEACHER,
            bearer("rv-a", "reviewer", COLLEGE),
            bearer("stu-x", "student", COLLEGE),
            bearer("fl-chair", "college_admin", "fl"),
        ):
            for path in (
                f"/reports/{submitted}/similarity-recheck",
                f"/seasons/{season}/similarity-recheck",
            ):
                refused = await client.post(f"{base}{path}", headers=caller)
                assert refused.status_code == 403, refused.text
        unknown = await client.post(f"{base}/reports/{uuid4()}/similarity-recheck", headers=CHAIR)
        assert unknown.status_code == 404, unknown.text
        elsewhere = await client.post(
            f"{api(services, 'fl')}/reports/{submitted}/similarity-recheck",
            headers=bearer("fl-chair", "college_admin", "fl"),
        )
        assert elsewhere.status_code == 404, elsewhere.text
        no_season = await client.post(
            f"{base}/seasons/no-such-{uuid4().hex[:6]}/similarity-recheck", headers=CHAIR
        )
        assert no_season.status_code == 404, no_season.text
        empty = await client.post(f"{base}/reports/{unsubmitted}/similarity-recheck", headers=CHAIR)
        assert problem(empty) == (409, "report_id", "not_submitted")
    assert await state(conn, submitted) == before
    assert await state(conn, unsubmitted) == ("clear", 0, None)
