"""Misconduct and awards through the chair's integrity decision route: a report decided
as misconduct before the run is left out of it; one decided after the prizes loses its
prize (AwardWithdrawn) and cannot apply for the excellence review; one decided after
applying has its application withdrawn (kept, with the reason), is left out of defense
scheduling, and its scheduled defense is withdrawn (DefenseWithdrawn), freeing the slot
and panel, and can no longer be decided."""

from __future__ import annotations

from uuid import UUID

import httpx
import pytest

from shared.events.evaluation import AwardWithdrawn, DefenseWithdrawn
from tests.e2e.evaluation.college import COLLEGE
from tests.e2e.evaluation.grades_support import (
    CHAIR,
    TEACHER,
    THREE_PRIZES,
    api,
    apply_for_excellence,
    connect,
    graded_season,
    members,
    problem,
    slot,
    student,
    unique,
    wait_for_events,
)
from tests.support.auth import bearer
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


async def flag(service_dsns: dict[str, str], report_id: UUID) -> None:
    """The similarity gate flagged a later version (its own tests cover how)."""
    conn = await connect(service_dsns)
    try:
        await conn.execute(
            "UPDATE reports SET integrity = 'flagged' WHERE report_id = $1", report_id
        )
    finally:
        await conn.close()


async def misconduct(client: httpx.AsyncClient, base: str, report_id: UUID) -> None:
    decided = await client.post(
        f"{base}/reports/{report_id}/integrity-decision",
        json={"decision": "misconduct", "reason": "与往届报告大段雷同，认定抄袭"},
        headers=CHAIR,
    )
    assert decided.status_code == 200, decided.text


async def test_misconduct_before_the_run_excludes_and_after_it_withdraws(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    base = api(services)
    async with httpx.AsyncClient(timeout=30) as client:
        season, ids, authors = await graded_season(
            client, services, service_dsns, [96, 91, 86, 81, 76, 71]
        )
        await flag(service_dsns, ids[0])
        await misconduct(client, base, ids[0])

        run = await client.post(
            f"{base}/seasons/{season}/award-runs",
            json={"screen_ratio": 0.5, "prize_counts": {"first": 1, "second": 1, "third": 1}},
            headers=CHAIR,
        )
        assert run.status_code == 201, run.text
        assert run.json()["ranked"] == 5
        placed = {p["report_id"]: p["prize"] for p in run.json()["screened"]}
        assert placed == {str(ids[1]): "first", str(ids[2]): "second", str(ids[3]): "third"}

        await flag(service_dsns, ids[1])
        await misconduct(client, base, ids[1])
        for_student = await client.get(f"{base}/seasons/{season}/awards", headers=student("s"))
        assert {a["report_id"] for a in for_student.json()["items"]} == {str(ids[2]), str(ids[3])}
        applied = await client.post(
            f"{base}/reports/{ids[1]}/excellence-application", headers=student(authors[1][0])
        )
        assert problem(applied) == (409, "report_id", "misconduct")

    [withdrawn] = await wait_for_events(
        stack.kafka_bootstrap, AwardWithdrawn.event_type, str(ids[1])
    )
    assert withdrawn["prize"] == "first" and "抄袭" in withdrawn["reason"]
    assert (
        await wait_for_events(stack.kafka_bootstrap, AwardWithdrawn.event_type, str(ids[0]), 0)
        == []
    )


async def test_misconduct_after_applying_withdraws_the_application_and_the_defense(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    base = api(services)
    tag = unique("m")
    panel = [f"{tag}-t{n}" for n in range(1, 5)]
    room_a, room_b = f"{tag}-A", f"{tag}-B"
    async with httpx.AsyncClient(timeout=30) as client:
        # Eleven passing reports: the top 30% is four.
        season, ids, authors = await graded_season(
            client, services, service_dsns, [96, 92, 88, 84, 80, 76, 72, 68, 64, 62, 61]
        )
        run = await client.post(
            f"{base}/seasons/{season}/award-runs", json=THREE_PRIZES, headers=CHAIR
        )
        assert run.status_code == 201, run.text
        assert run.json()["excellence_eligible"] == [str(i) for i in ids[:4]]

        async def apply(n: int) -> None:
            made = await apply_for_excellence(client, base, ids[n], authors[n][0])
            assert made.status_code == 201, made.text

        schedule_url = f"{base}/seasons/{season}/defenses/schedule"
        await apply(0)
        await apply(1)
        # Two defenses at once, panels of two: the four members are all taken.
        first = await client.post(
            schedule_url,
            json={
                "slots": [slot(room_a, 0), slot(room_b, 0)],
                "members": members(*panel),
                "panel_size": 2,
            },
            headers=CHAIR,
        )
        assert first.status_code == 201, first.text
        [defense] = [d for d in first.json()["items"] if d["report_id"] == str(ids[0])]
        await apply(2)
        await apply(3)

        await flag(service_dsns, ids[0])  # its defense is scheduled
        await misconduct(client, base, ids[0])
        await flag(service_dsns, ids[2])  # its application waits for a defense
        await misconduct(client, base, ids[2])

        decided = await client.post(
            f"{base}/defenses/{defense['defense_id']}/decision",
            json={"score": 95, "excellent": True},
            headers=CHAIR,
        )
        assert problem(decided) == (409, "defense_id", "misconduct"), decided.text

        # ids[2] is left out; ids[3] takes the room and the panel ids[0]'s defense freed.
        freed = slot(defense["room"], 0)
        second = await client.post(
            schedule_url,
            json={"slots": [freed], "members": members(*panel), "panel_size": 2},
            headers=CHAIR,
        )
        assert second.status_code == 201, second.text
        [placed] = second.json()["items"]
        assert placed["report_id"] == str(ids[3])
        assert sorted(placed["panel_ids"]) == sorted(defense["panel_ids"])

        listed = await client.get(
            f"{base}/seasons/{season}/excellence-applications", headers=TEACHER
        )
        applications = {a["report_id"]: a for a in listed.json()["items"]}
        assert set(applications) == {str(i) for i in ids[:4]}  # kept, none deleted
        for n in (0, 2):
            assert applications[str(ids[n])].get("withdrawn_at") is not None
            assert "抄袭" in applications[str(ids[n])]["withdraw_reason"]
        for n in (1, 3):
            assert applications[str(ids[n])].get("withdrawn_at") is None
        defenses = await client.get(f"{base}/seasons/{season}/defenses", headers=CHAIR)
        by_report = {d["report_id"]: d for d in defenses.json()["items"]}
        assert set(by_report) == {str(ids[0]), str(ids[1]), str(ids[3])}
        assert by_report[str(ids[0])]["withdrawn_at"] is not None
        assert "抄袭" in by_report[str(ids[0])]["withdraw_reason"]
        assert by_report[str(ids[3])]["withdrawn_at"] is None
        # A reviewer sees that it was withdrawn, not why.
        as_reviewer = await client.get(
            f"{base}/seasons/{season}/defenses", headers=bearer("rv-a", "reviewer", COLLEGE)
        )
        seen = {d["report_id"]: d for d in as_reviewer.json()["items"]}
        assert seen[str(ids[0])]["withdrawn_at"] is not None
        assert seen[str(ids[0])]["withdraw_reason"] is None

    [withdrawn] = await wait_for_events(
        stack.kafka_bootstrap, DefenseWithdrawn.event_type, str(ids[0])
    )
    assert withdrawn["defense_id"] == defense["defense_id"]
    assert withdrawn["decided"] is False and "抄袭" in withdrawn["reason"]
    assert (
        await wait_for_events(stack.kafka_bootstrap, DefenseWithdrawn.event_type, str(ids[2]), 0)
        == []
    )
