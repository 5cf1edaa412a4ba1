"""The excellence review on the real stack: who may apply (the submitter of a passing
report in the top 30% of the season's final award run), defenses scheduled without a
panel member in two at once (DefenseScheduled, independently checked), decisions
(DefenseDecided), and refusals."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import combinations

import httpx
import pytest

from shared.events.evaluation import DefenseDecided, DefenseScheduled
from tests.e2e.evaluation.college import COLLEGE
from tests.e2e.evaluation.grades_support import (
    CHAIR,
    MORNING,
    TEACHER,
    api,
    fetch,
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


async def test_applications_defenses_and_decisions(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    base = api(services)
    # People and rooms of this run only: earlier runs' defenses keep theirs busy.
    tag = unique("d")
    t1, t2, t3, t4 = (f"{tag}-t{n}" for n in range(1, 5))
    a, b, c = (f"{tag}-A", f"{tag}-B", f"{tag}-C")
    async with httpx.AsyncClient(timeout=30) as client:
        # Ten reports, the last one failing; the top 30% of the nine passing is three.
        season, ids, authors = await graded_season(
            client,
            services,
            service_dsns,
            [95, 92, 89, 86, 83, 80, 77, 74, 71, 50],
            advisor=t1,
        )

        def apply(n: int, who: str | None = None) -> object:
            return client.post(
                f"{base}/reports/{ids[n]}/excellence-application",
                headers=student(who or authors[n][0]),
            )

        run = await client.post(f"{base}/seasons/{season}/award-runs", json={}, headers=CHAIR)
        assert run.status_code == 201, run.text
        assert run.json()["excellence_eligible"] == [str(i) for i in ids[:3]]  # 30% of nine
        by_mate = await apply(0, authors[0][1])
        assert by_mate.status_code == 403
        assert problem(await apply(3)) == (409, "report_id", "not_in_top_share")
        assert problem(await apply(9)) == (409, "report_id", "not_passed")
        for n in range(3):
            made = await apply(n)
            assert made.status_code == 201, made.text
        assert problem(await apply(0)) == (409, "report_id", "already_applied")
        listed = await client.get(
            f"{base}/seasons/{season}/excellence-applications", headers=TEACHER
        )
        assert {a["report_id"] for a in listed.json()["items"]} == {str(i) for i in ids[:3]}

        url = f"{base}/seasons/{season}/defenses/schedule"
        backwards = slot("文科楼 301", 0) | {"ends_at": MORNING.isoformat()}
        bad = await client.post(
            url, json={"slots": [backwards], "members": members(t2, t3)}, headers=CHAIR
        )
        assert problem(bad) == (422, "slots.0.ends_at", "slot_ends_before_start")
        few = await client.post(
            url,
            json={
                "slots": [slot(a, 0), slot(b, 0)],
                "members": members(t2, t3),
                "panel_size": 2,
            },
            headers=CHAIR,
        )
        assert problem(few) == (409, "slots", "not_enough_slots")
        # Three defenses at once with panels of two need six members: four cannot.
        clash = await client.post(
            url,
            json={
                "slots": [slot(a, 0), slot(b, 0), slot(c, 0)],
                "members": members(t1, t2, t3, t4),
                "panel_size": 2,
            },
            headers=CHAIR,
        )
        assert problem(clash) == (409, "slots", "defense_schedule_infeasible")
        by_teacher = await client.post(
            url, json={"slots": [slot(a, 0)], "members": members(t2)}, headers=TEACHER
        )
        assert by_teacher.status_code == 403
        assert await fetch(service_dsns, "SELECT 1 FROM defenses WHERE season = $1", season) == []

        form = {
            "slots": [slot(a, 0), slot(b, 0), slot(a, 30), slot(b, 30), slot(a, 60)],
            "members": [
                {"person_id": t1},
                {"person_id": t2},
                {"person_id": t3},
                {
                    "person_id": t4,
                    "available": [
                        {
                            "starts_at": (MORNING + timedelta(minutes=30)).isoformat(),
                            "ends_at": (MORNING + timedelta(hours=2)).isoformat(),
                        }
                    ],
                },
            ],
            "panel_size": 2,
        }
        scheduled = await client.post(url, json=form, headers=CHAIR)
        assert scheduled.status_code == 201, scheduled.text
        plan = scheduled.json()["items"]
        assert sorted(d["report_id"] for d in plan) == sorted(str(i) for i in ids[:3])
        for d in plan:
            assert len(d["panel_ids"]) == 2
            assert t1 not in d["panel_ids"]  # t1 advised every report
            if t4 in d["panel_ids"]:
                assert datetime.fromisoformat(d["starts_at"]) >= MORNING + timedelta(minutes=30)
        for a, b in combinations(plan, 2):
            if a["starts_at"] == b["starts_at"]:
                assert not set(a["panel_ids"]) & set(b["panel_ids"])
                assert a["room"] != b["room"]

        nothing = await client.post(url, json=form, headers=CHAIR)
        assert problem(nothing) == (409, "season", "nothing_to_schedule")

        mine = await client.get(f"{base}/seasons/{season}/defenses", headers=student(authors[1][1]))
        assert [d["report_id"] for d in mine.json()["items"]] == [str(ids[1])]

        defense = next(d for d in plan if d["report_id"] == str(ids[0]))
        decision_url = f"{base}/defenses/{defense['defense_id']}/decision"
        outsider = next(p for p in (t2, t3, t4) if p not in defense["panel_ids"])
        stranger = await client.post(
            decision_url,
            json={"score": 90, "excellent": True},
            headers=bearer(outsider, "teacher", COLLEGE),
        )
        assert stranger.status_code == 403
        high = await client.post(
            decision_url, json={"score": 101, "excellent": True}, headers=CHAIR
        )
        assert high.status_code == 422 and "score" in high.text
        judge = bearer(defense["panel_ids"][0], "teacher", COLLEGE)
        decided = await client.post(
            decision_url, json={"score": 93.5, "excellent": True}, headers=judge
        )
        assert decided.status_code == 200, decided.text
        assert (decided.json()["score"], decided.json()["excellent"]) == (93.5, True)
        twice = await client.post(
            decision_url, json={"score": 80, "excellent": False}, headers=CHAIR
        )
        assert problem(twice) == (409, "defense_id", "defense_decided")

    events = await wait_for_events(stack.kafka_bootstrap, DefenseScheduled.event_type, str(ids[0]))
    assert [e["defense_id"] for e in events] == [defense["defense_id"]]
    assert events[0]["panel_ids"] == defense["panel_ids"]
    [decision] = await wait_for_events(
        stack.kafka_bootstrap, DefenseDecided.event_type, str(ids[0])
    )
    assert (decision["score"], decision["excellent"]) == (93.5, True)
