"""The credits ledger end to end: the hooks called in a transaction as grading and the
integrity decision call them, the events academic systems read on Kafka, the ledger
routes and who may read them; then the same through the grade and decision routes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import UUID, uuid4

import httpx
import pytest

from services.evaluation.service import credits
from shared.events.evaluation import CreditsAwarded, CreditsRevoked
from shared.rules import RuleBroken
from tests.e2e.evaluation.college import COLLEGE
from tests.e2e.evaluation.grades_support import (
    TEACHER,
    grade,
    make_report,
    make_season,
    reviewed_report,
)
from tests.e2e.evaluation.staff_support import base_url, connect
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

CHAIR = bearer("cs-chair", "college_admin", COLLEGE)


async def award(dsn: str, student: str, report: UUID, season: str) -> None:
    conn = await connect(dsn)
    try:
        async with conn.transaction():
            await credits.award_for_pass(
                conn,
                college=COLLEGE,
                report_id=report,
                season=season,
                author_ids=[student],
                now=datetime.now(UTC),
            )
    finally:
        await conn.close()


async def revoke(dsn: str, report: UUID, season: str) -> None:
    conn = await connect(dsn)
    try:
        async with conn.transaction():
            await credits.revoke_for_misconduct(
                conn,
                college=COLLEGE,
                report_id=report,
                season=season,
                reason="抄袭他人报告，经委员会认定",
                now=datetime.now(UTC),
            )
    finally:
        await conn.close()


async def wait_events(bootstrap: str, event_type: str, student: str, count: int) -> list[dict]:
    found: list[dict] = []

    async def arrived() -> bool:
        found[:] = await events_keyed(bootstrap, event_type, student)
        return len(found) >= count

    await wait_until(arrived, timeout_s=30, what=f"{count} x {event_type} of {student}")
    return found


async def test_two_credits_then_capped_revoked_on_misconduct_each_change_an_event(
    services: dict[str, str], stack: StackEndpoints, service_dsns: dict[str, str]
) -> None:
    dsn, base = service_dsns["evaluation"], base_url(services)
    student, season = f"s-{uuid4().hex[:8]}", f"ledger-{uuid4().hex[:6]}"
    first, second, third = uuid4(), uuid4(), uuid4()
    for report in (first, second, third):
        await award(dsn, student, report, season)
    await award(dsn, student, first, season)  # again: idempotent per (student, report)
    awarded = await wait_events(stack.kafka_bootstrap, CreditsAwarded.event_type, student, 3)
    assert [(e["report_id"], e["credits"], e["balance"]) for e in awarded] == [
        (str(first), 1, 1),
        (str(second), 1, 2),
        (str(third), 0, 2),
    ]
    assert "academic-lecture" in awarded[0]["reason"]
    assert "at most 2" in awarded[2]["reason"]

    await revoke(dsn, first, season)
    await revoke(dsn, first, season)  # again: nothing more
    await award(dsn, student, first, season)  # a revoked report is not credited again
    [revoked] = await wait_events(stack.kafka_bootstrap, CreditsRevoked.event_type, student, 1)
    assert (revoked["report_id"], revoked["credits"], revoked["balance"]) == (str(first), 1, 1)
    assert "抄袭" in revoked["reason"]

    async with httpx.AsyncClient(timeout=15) as client:
        own = await client.get(
            f"{base}/students/{student}/credits", headers=bearer(student, "student", COLLEGE)
        )
        assert own.status_code == 200, own.text
        ledger = own.json()
        assert ledger["balance"] == 1
        assert sorted((e["kind"], e["credits"]) for e in ledger["entries"]) == [
            ("capped", 0),
            ("granted", 1),
            ("granted", 1),
            ("revoked", -1),
        ]
        for reader in (TEACHER, CHAIR):
            seen = await client.get(f"{base}/students/{student}/credits", headers=reader)
            assert seen.status_code == 200 and seen.json()["balance"] == 1
        for stranger in (
            bearer("s-other", "student", COLLEGE),
            bearer("rv-a", "reviewer", COLLEGE),
        ):
            refused = await client.get(f"{base}/students/{student}/credits", headers=stranger)
            assert refused.status_code == 404, refused.text
        foreign = await client.get(
            f"{base}/students/{student}/credits", headers=bearer(student, "student", "fl")
        )
        assert foreign.status_code == 403
        # Another college's ledger of the same person id is empty: colleges do not mix.
        elsewhere = await client.get(
            f"{base_url(services, 'fl')}/students/{student}/credits",
            headers=bearer("fl-chair", "college_admin", "fl"),
        )
        assert elsewhere.status_code == 200 and elsewhere.json() == {
            "student_id": student,
            "balance": 0,
            "entries": [],
        }

        listed = await client.get(f"{base}/seasons/{season}/credits", headers=CHAIR)
        assert listed.status_code == 200, listed.text
        assert {(e["report_id"], e["kind"]) for e in listed.json()["items"]} == {
            (str(first), "granted"),
            (str(second), "granted"),
            (str(third), "capped"),
            (str(first), "revoked"),
        }
        assert {e["balance"] for e in listed.json()["items"]} == {1}
        as_student = await client.get(
            f"{base}/seasons/{season}/credits", headers=bearer(student, "student", COLLEGE)
        )
        assert as_student.status_code == 403
        unknown = await client.get(f"{base}/seasons/no-such-season/credits", headers=CHAIR)
        assert unknown.status_code == 404


async def test_two_passes_at_once_give_one_credit_and_one_capped_entry(
    service_dsns: dict[str, str],
) -> None:
    dsn = service_dsns["evaluation"]
    student, season = f"c-{uuid4().hex[:8]}", f"ledger-{uuid4().hex[:6]}"
    await award(dsn, student, uuid4(), season)
    await asyncio.gather(*(award(dsn, student, uuid4(), season) for _ in range(2)))
    conn = await connect(dsn)
    try:
        ledger = await credits.ledger_of(conn, college=COLLEGE, student_id=student)
    finally:
        await conn.close()
    assert ledger.balance == 2
    assert sorted(line.entry.kind for line in ledger.lines) == ["capped", "granted", "granted"]


async def test_a_report_decided_as_misconduct_gives_no_credit(
    service_dsns: dict[str, str],
) -> None:
    dsn = service_dsns["evaluation"]
    season = await make_season(service_dsns)
    report, (author,) = await make_report(service_dsns, season, integrity="misconduct")
    conn = await connect(dsn)
    try:
        with pytest.raises(RuleBroken) as refused:
            async with conn.transaction():
                await credits.award_for_pass(
                    conn,
                    college=COLLEGE,
                    report_id=report,
                    season=season,
                    author_ids=[author],
                    now=datetime.now(UTC),
                )
        assert (refused.value.rule, refused.value.field) == ("misconduct_decided", "report_id")
        assert (await credits.ledger_of(conn, college=COLLEGE, student_id=author)).lines == ()
    finally:
        await conn.close()


async def test_passing_grades_credit_through_the_api_and_misconduct_revokes(
    services: dict[str, str], stack: StackEndpoints, service_dsns: dict[str, str]
) -> None:
    """Three passing grades of one student (three seasons): 1, 1, then capped; a later
    version of the first report flagged and decided as misconduct revokes its credit."""
    base, student = base_url(services), f"g-{uuid4().hex[:8]}"
    reports = []
    for _ in range(3):  # one individual project a season, three seasons
        season = await make_season(service_dsns)
        scores = {"rv-a": 85.0, "rv-b": 87.0}
        report, _ = await reviewed_report(service_dsns, season, scores, authors=(student,))
        reports.append(report)
    async with httpx.AsyncClient(timeout=20) as client:
        for report in reports:
            graded = await grade(client, base, report)
            assert graded.status_code == 200, graded.text
        awarded = await wait_events(stack.kafka_bootstrap, CreditsAwarded.event_type, student, 3)
        assert [(e["report_id"], e["credits"], e["balance"]) for e in awarded] == [
            (str(reports[0]), 1, 1),
            (str(reports[1]), 1, 2),
            (str(reports[2]), 0, 2),
        ]
        # The similarity gate flags a later version of the first report (set here as the
        # gate would set it); the chair decides misconduct through the API.
        conn = await connect(service_dsns["evaluation"])
        try:
            await conn.execute(
                "UPDATE reports SET integrity = 'flagged' WHERE report_id = $1", reports[0]
            )
        finally:
            await conn.close()
        decided = await client.post(
            f"{base}/reports/{reports[0]}/integrity-decision",
            json={"decision": "misconduct", "reason": "大段抄袭往届报告"},
            headers=CHAIR,
        )
        assert decided.status_code in (200, 201), decided.text
        [revoked] = await wait_events(stack.kafka_bootstrap, CreditsRevoked.event_type, student, 1)
        assert (revoked["report_id"], revoked["credits"], revoked["balance"]) == (
            str(reports[0]),
            1,
            1,
        )
        ledger = await client.get(
            f"{base}/students/{student}/credits", headers=bearer(student, "student", COLLEGE)
        )
        assert ledger.json()["balance"] == 1
        assert [e["kind"] for e in ledger.json()["entries"]].count("revoked") == 1
