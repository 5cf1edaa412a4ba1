"""Staff assessment end to end: scheduling's events on Kafka become facts in evaluation;
an officer scores; the published assessment is the same whatever the order and however
often the events were replayed, and every figure names the events it came from."""

from __future__ import annotations

import random
from uuid import UUID, uuid4

import httpx
import pytest

from shared.events.base import DomainEvent
from tests.e2e.evaluation.college import COLLEGE
from tests.e2e.evaluation.staff_support import (
    T0,
    TERM_ENDS,
    DutyTerm,
    base_url,
    consumed,
    new_term,
    produce,
    topics_of,
    wait_facts,
)
from tests.support.auth import bearer
from tests.support.kafka import events_keyed
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

OFFICER = bearer("cs-officer-1", "officer", COLLEGE)
CHAIR = bearer("cs-chair", "college_admin", COLLEGE)
PUBLISHED = "campusflow.evaluation.staff_assessment.published.v1"
SCORES = {"attitude": 8, "ability": 6, "teamwork": 10, "comment": "值班认真负责"}


async def put_term(client: httpx.AsyncClient, base: str, term: str) -> None:
    body = {"starts_at": T0.isoformat(), "ends_at": TERM_ENDS.isoformat()}
    response = await client.put(f"{base}/terms/{term}", json=body, headers=OFFICER)
    assert response.status_code == 200, response.text


async def publish(client: httpx.AsyncClient, base: str, term: str, person: str) -> httpx.Response:
    return await client.post(f"{base}/terms/{term}/assessments/{person}/publish", headers=OFFICER)


def figures(assessment: dict) -> dict[str, dict]:
    return {f["name"]: f for f in assessment["figures"]}


def values(assessment: dict) -> dict[str, tuple[object, int]]:
    """Each figure's value and how many events and scores it came from (ids differ)."""
    return {
        f["name"]: (f["value"], len(f["events"]) + len(f["scores"])) for f in assessment["figures"]
    }


def ids(figure: dict) -> set[UUID]:
    return {UUID(i) for i in figure["events"]}


async def test_figures_are_traceable_and_replays_or_order_change_nothing(
    services: dict[str, str], stack: StackEndpoints, service_dsns: dict[str, str]
) -> None:
    base, term = base_url(services), new_term()
    me, twin = f"m-{uuid4().hex[:8]}", f"w-{uuid4().hex[:8]}"
    mine = DutyTerm(me, term).build(other=f"o-{uuid4().hex[:6]}")
    theirs = DutyTerm(twin, term).build(other=f"o-{uuid4().hex[:6]}")
    # `me`: in order, once. `twin`: the same record shuffled with the missed duty
    # first, then all of it replayed twice under the same event ids, reversed.
    shuffled: list[tuple[DomainEvent, UUID]] = list(theirs.events)
    random.Random(9).shuffle(shuffled)
    missed_first = sorted(shuffled, key=lambda e: e[1] not in theirs.ids("missed"))
    await produce(stack.kafka_bootstrap, mine.events)
    await produce(
        stack.kafka_bootstrap, missed_first + list(reversed(shuffled)) + list(theirs.events)
    )
    dsn = service_dsns["evaluation"]
    await wait_facts(dsn, me, {i for _, i in mine.events})
    await wait_facts(dsn, twin, {i for _, i in theirs.events})
    await consumed(stack.kafka_bootstrap, topics_of(mine.events))

    async with httpx.AsyncClient(timeout=20) as client:
        await put_term(client, base, term)
        for person in (me, twin):
            scored = await client.put(
                f"{base}/terms/{term}/scores/{person}", json=SCORES, headers=OFFICER
            )
            assert scored.status_code == 200, scored.text
            assert {s["criterion"] for s in scored.json()["scores"]} == {
                "attitude",
                "ability",
                "teamwork",
            }
        first = await publish(client, base, term, me)
        assert first.status_code == 201, first.text
        assert first.json()["version"] == 1 and first.json()["new_version"] is True
        other = await publish(client, base, term, twin)
        assert other.status_code == 201, other.text

        got = await client.get(f"{base}/terms/{term}/assessments/{me}", headers=OFFICER)
        assert got.status_code == 200, got.text
        assessment = got.json()
        f = figures(assessment)
        assert {n: f[n]["value"] for n in ("shifts_held", "shifts_kept", "shifts_late")} == {
            "shifts_held": 3,
            "shifts_kept": 2,
            "shifts_late": 1,
        }
        assert f["shifts_missed"]["value"] == 1 and f["handovers_written"]["value"] == 1
        assert f["meetings_present"]["value"] == 1 and f["meetings_excused"]["value"] == 1
        assert f["sanctions"]["value"] == 1
        assert f["presence"]["value"] == pytest.approx(1 / 3)
        assert f["conduct"]["value"] == pytest.approx(0.5)
        assert f["attitude"]["value"] == pytest.approx(0.8)
        # 100 × (0.3/3 + 0.15/2 + 0.15/2 + 0.1×0.5 + 0.1×0.8 + 0.1×0.6 + 0.1×1.0)
        assert assessment["total"] == pytest.approx(54.0, abs=0.01)
        assert f["total"]["value"] == assessment["total"]

        # Traceability: each figure lists exactly the events it came from.
        held = {mine.assignments[s] for s in ("on_time", "late", "missed")}
        assert ids(f["shifts_held"]) == held
        assert ids(f["shifts_kept"]) == mine.ids("checked_in", "late")
        assert ids(f["shifts_late"]) == mine.ids("late")
        assert ids(f["shifts_missed"]) == mine.ids("missed")
        assert ids(f["handovers_written"]) == mine.ids("handover")
        assert ids(f["presence"]) == mine.ids("checked_in", "late", "missed")
        assert ids(f["duty_log"]) == mine.ids("checked_in", "late", "handover")
        assert ids(f["meeting_attendance"]) == mine.ids("meeting_present", "meeting_unexcused")
        assert ids(f["conduct"]) == mine.ids("sanction")
        assert ids(f["attitude"]) == set() and len(f["attitude"]["scores"]) == 1
        named = set().union(*(ids(x) for x in assessment["figures"]))
        ignored = mine.ids("other_term", "cancelled", "changed") | {
            mine.assignments["cancelled"],
            mine.assignments["away"],
        }
        assert not named & ignored
        evidence = {UUID(e["event_id"]): e for e in assessment["evidence"]}
        assert set(evidence) == named
        handover = evidence[next(iter(mine.ids("handover")))]
        assert handover["kind"] == "handover"
        assert handover["data"]["unfinished_tasks"] == "复印材料待取"
        assert {s["criterion"] for s in assessment["officer_scores"]} == {
            "attitude",
            "ability",
            "teamwork",
        }

        # The twin's shuffled, replayed record gives the very same figures.
        twin_got = await client.get(f"{base}/terms/{term}/assessments/{twin}", headers=OFFICER)
        assert values(twin_got.json()) == values(assessment)

        # Replaying my events again (reversed, twice) and publishing: nothing new.
        await produce(stack.kafka_bootstrap, list(reversed(mine.events)) * 2)
        await consumed(stack.kafka_bootstrap, topics_of(mine.events))
        again = await publish(client, base, term, me)
        assert again.status_code == 200, again.text
        assert again.json()["new_version"] is False and again.json()["version"] == 1
        assert again.json()["figures"] == first.json()["figures"]

        # A new fact (a shift kept on time) gives version 2, published again.
        extra = uuid4()
        added = [mine.assigned(extra, 30), mine.checked_in(extra, 30)]
        await produce(stack.kafka_bootstrap, mine.events[-2:])
        await wait_facts(dsn, me, set(added))
        second = await publish(client, base, term, me)
        assert second.status_code == 201, second.text
        assert second.json()["version"] == 2
        assert figures(second.json())["shifts_kept"]["value"] == 3
        assert set(added) <= ids(figures(second.json())["shifts_held"]) | ids(
            figures(second.json())["shifts_kept"]
        )
        assert second.json()["total"] > first.json()["total"]
        old = await client.get(
            f"{base}/terms/{term}/assessments/{me}", params={"version": 1}, headers=OFFICER
        )
        assert old.json()["figures"] == first.json()["figures"]

        listing = await client.get(f"{base}/terms/{term}/assessments", headers=CHAIR)
        assert listing.status_code == 200, listing.text
        latest = {a["person_id"]: a["version"] for a in listing.json()["items"]}
        assert latest == {me: 2, twin: 1}

    published = await events_keyed(stack.kafka_bootstrap, PUBLISHED, me)
    assert [e["assessment_id"] for e in published] == [
        first.json()["assessment_id"],
        second.json()["assessment_id"],
    ]
    event_figures = {x["name"]: x for x in published[0]["figures"]}
    assert event_figures["shifts_kept"]["events"] == 2
    assert event_figures["presence"]["events"] == 3
    assert event_figures["attitude"]["events"] == 1
    assert published[0]["total"] == pytest.approx(54.0, abs=0.01)


async def test_duty_criteria_are_scored_and_each_version_keeps_the_scores_it_used(
    services: dict[str, str], stack: StackEndpoints, service_dsns: dict[str, str]
) -> None:
    """The duty staff's criteria (enquiries, equipment, helping, cleaning) are scored and
    weighed; an officer changing a score gives a new version, and the earlier version
    still shows the score it was computed from."""
    base, term = base_url(services), new_term()
    me = f"d-{uuid4().hex[:8]}"
    mine = DutyTerm(me, term).build(other=f"o-{uuid4().hex[:6]}")
    await produce(stack.kafka_bootstrap, mine.events)
    await wait_facts(service_dsns["evaluation"], me, {i for _, i in mine.events})
    duty = {"enquiries": 9, "equipment": 7, "helping": 8, "cleaning": 6}
    async with httpx.AsyncClient(timeout=20) as client:
        await put_term(client, base, term)
        url = f"{base}/terms/{term}/scores/{me}"
        scored = await client.put(url, json={**SCORES, **duty}, headers=OFFICER)
        assert scored.status_code == 200, scored.text
        assert {s["criterion"] for s in scored.json()["scores"]} == set(SCORES) - {"comment"} | set(
            duty
        )
        first = await publish(client, base, term, me)
        assert first.status_code == 201, first.text
        got = figures(first.json())
        for criterion, value in duty.items():
            assert got[criterion]["value"] == pytest.approx(value / 10)
            assert got[criterion]["weight"] is not None and len(got[criterion]["scores"]) == 1
        points = [f["points"] for f in first.json()["figures"] if f["kind"] == "criterion"]
        assert sum(p for p in points if p is not None) == pytest.approx(
            first.json()["total"], abs=0.05
        )

        # The officer lowers attitude (8 -> 3), duty criteria not given keep theirs.
        changed = await client.put(url, json={**SCORES, "attitude": 3}, headers=OFFICER)
        assert changed.status_code == 200, changed.text
        assert {s["criterion"]: s["score"] for s in changed.json()["scores"]}["cleaning"] == 6
        second = await publish(client, base, term, me)
        assert second.status_code == 201, second.text
        assert second.json()["version"] == 2
        assert second.json()["total"] < first.json()["total"]

        def attitude_used(assessment: dict) -> list[float]:
            return [
                s["score"] for s in assessment["officer_scores"] if s["criterion"] == "attitude"
            ]

        old = await client.get(
            f"{base}/terms/{term}/assessments/{me}", params={"version": 1}, headers=OFFICER
        )
        assert old.status_code == 200, old.text
        assert attitude_used(old.json()) == [8]
        assert len(old.json()["officer_scores"]) == 7
        new = await client.get(f"{base}/terms/{term}/assessments/{me}", headers=OFFICER)
        assert attitude_used(new.json()) == [3]
        assert len(new.json()["officer_scores"]) == 7
