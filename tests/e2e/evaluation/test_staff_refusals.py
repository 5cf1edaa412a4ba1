"""Staff assessment: bad input is refused naming the field and changes nothing; members
see only their own assessment; malformed or conflicting events are dead-lettered."""

from __future__ import annotations

import json
from datetime import timedelta
from uuid import uuid4

import httpx
import pytest

from services.evaluation.service import staff_facts
from shared.events.registry import spec_for_model
from shared.events.scheduling import DutyCheckedIn
from shared.rules import RuleBroken
from tests.e2e.evaluation.college import COLLEGE
from tests.e2e.evaluation.staff_support import (
    T0,
    TERM_ENDS,
    DutyTerm,
    base_url,
    connect,
    consumed,
    new_term,
    produce,
    produce_raw,
    wait_facts,
)
from tests.support.auth import bearer
from tests.support.kafka import header, read_topic, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

OFFICER = bearer("cs-officer-2", "officer", COLLEGE)
WINDOW = {"starts_at": T0.isoformat(), "ends_at": TERM_ENDS.isoformat()}
SCORES = {"attitude": 7, "ability": 7, "teamwork": 7}


async def scores_held(dsn: str, term: str) -> int:
    conn = await connect(dsn)
    try:
        held: int = await conn.fetchval(
            "SELECT count(*) FROM evaluation.officer_scores WHERE term = $1", term
        )
    finally:
        await conn.close()
    return held


def fields(response: httpx.Response) -> set[str]:
    """The fields the problem answer names."""
    return {e["field"] for e in response.json().get("errors", [])}


def rules(response: httpx.Response) -> set[str]:
    return {e["rule"] for e in response.json().get("errors", [])}


async def test_bad_input_is_refused_and_changes_nothing(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    base, term, person = base_url(services), new_term(), f"m-{uuid4().hex[:8]}"
    dsn = service_dsns["evaluation"]
    async with httpx.AsyncClient(timeout=20) as client:
        # Unknown term: scores and publishing are refused as not found.
        unknown = await client.put(
            f"{base}/terms/{term}/scores/{person}", json=SCORES, headers=OFFICER
        )
        assert unknown.status_code == 404, unknown.text
        published = await client.post(
            f"{base}/terms/{term}/assessments/{person}/publish", headers=OFFICER
        )
        assert published.status_code == 404, published.text
        # A term ending before it starts.
        backwards = {"starts_at": WINDOW["ends_at"], "ends_at": WINDOW["starts_at"]}
        refused = await client.put(f"{base}/terms/{term}", json=backwards, headers=OFFICER)
        assert refused.status_code == 422, refused.text
        assert fields(refused) == {"ends_at"} and rules(refused) == {"term_window"}
        assert (await client.get(f"{base}/terms/{term}", headers=OFFICER)).status_code == 404
        naive = {"starts_at": "2026-09-01T00:00:00", "ends_at": WINDOW["ends_at"]}
        assert (
            await client.put(f"{base}/terms/{term}", json=naive, headers=OFFICER)
        ).status_code == 422

        assert (
            await client.put(f"{base}/terms/{term}", json=WINDOW, headers=OFFICER)
        ).status_code == 200
        # Scores out of range, each naming its field; nothing stored.
        for name, value in (("attitude", 11), ("ability", -1), ("teamwork", "NaN")):
            bad = await client.put(
                f"{base}/terms/{term}/scores/{person}",
                json={**SCORES, name: value},
                headers=OFFICER,
            )
            assert bad.status_code == 422, bad.text
            assert fields(bad) == {name}, bad.text
        missing = await client.put(
            f"{base}/terms/{term}/scores/{person}",
            json={"attitude": 7, "ability": 7},
            headers=OFFICER,
        )
        assert missing.status_code == 422 and fields(missing) == {"teamwork"}
        assert await scores_held(dsn, term) == 0
        # Nothing known of the member in the term: nothing to publish.
        empty = await client.post(
            f"{base}/terms/{term}/assessments/{person}/publish", headers=OFFICER
        )
        assert empty.status_code == 409, empty.text
        assert rules(empty) == {"nothing_to_assess"} and fields(empty) == {"person_id"}

        # Roles: a student neither scores nor publishes; another college is refused.
        student = bearer(person, "student", COLLEGE)
        assert (
            await client.put(f"{base}/terms/{term}/scores/{person}", json=SCORES, headers=student)
        ).status_code == 403
        foreign = bearer("fl-officer", "officer", "fl")
        assert (
            await client.put(f"{base}/terms/{term}/scores/{person}", json=SCORES, headers=foreign)
        ).status_code == 403
        fl_base = base_url(services, "fl")
        assert (
            await client.put(
                f"{fl_base}/terms/{term}/scores/{person}", json=SCORES, headers=OFFICER
            )
        ).status_code == 403
        own_scores = await client.put(
            f"{base}/terms/{term}/scores/cs-officer-2", json=SCORES, headers=OFFICER
        )
        assert own_scores.status_code == 409 and rules(own_scores) == {"own_assessment"}
        assert await scores_held(dsn, term) == 0

        # A member with scores: published; they read their own, not another's.
        scored = await client.put(
            f"{base}/terms/{term}/scores/{person}", json=SCORES, headers=OFFICER
        )
        assert scored.status_code == 200, scored.text
        done = await client.post(
            f"{base}/terms/{term}/assessments/{person}/publish", headers=OFFICER
        )
        assert done.status_code == 201, done.text
        own = await client.get(f"{base}/terms/{term}/assessments/{person}", headers=student)
        assert own.status_code == 200, own.text
        # conduct 1 (no sanction) and the officers' 7/10: (0.1 × 1 + 0.3 × 0.7) / 0.4
        assert own.json()["total"] == pytest.approx(77.5)
        assert all(s["officer_id"] is None for s in own.json()["officer_scores"])
        assert own.json()["published_by"] is None  # nor who published it
        seen = await client.get(f"{base}/terms/{term}/assessments/{person}", headers=OFFICER)
        assert seen.json()["published_by"] is not None
        nosy = bearer(f"x-{uuid4().hex[:6]}", "student", COLLEGE)
        other = await client.get(f"{base}/terms/{term}/assessments/{person}", headers=nosy)
        assert other.status_code == 404
        listing = await client.get(f"{base}/terms/{term}/assessments", headers=student)
        assert listing.status_code == 403
        in_fl = await client.get(
            f"{fl_base}/terms/{term}/assessments/{person}",
            headers=bearer("fl-chair", "college_admin", "fl"),
        )
        assert in_fl.status_code == 404


async def test_malformed_and_conflicting_events_are_dead_lettered(
    services: dict[str, str], stack: StackEndpoints, service_dsns: dict[str, str]
) -> None:
    person = f"d-{uuid4().hex[:8]}"
    record = DutyTerm(person, new_term())
    shift = uuid4()
    good_id = record.checked_in(shift, 3)
    good = record.events[-1][0]
    # Malformed: the checked-in event without its shift id.
    data = good.model_dump(mode="json")
    del data["shift_id"]
    await produce_raw(stack.kafka_bootstrap, good, json.dumps(data).encode(), event_id=uuid4())
    await produce(stack.kafka_bootstrap, [(good, good_id)])
    await wait_facts(service_dsns["evaluation"], person, {good_id})
    # The same event id again with other data: the inbox skips it (an event id names one
    # fact for ever), and recording it directly is refused.
    changed = good.model_copy(update={"checked_in_at": T0 + timedelta(days=9)})
    await produce(stack.kafka_bootstrap, [(changed, good_id)])
    topic = spec_for_model(DutyCheckedIn).topic.dead_letter

    async def letters() -> list[tuple[str | None, str | None]]:
        return [
            (header(r, "dlt_error_class"), header(r, "dlt_error_message"))
            for r in await read_topic(stack.kafka_bootstrap, topic)
            if header(r, "dlt_consumer") == "evaluation.duty-facts" and r.key == str(shift).encode()
        ]

    async def one() -> bool:
        return len(await letters()) >= 1

    await wait_until(one, timeout_s=60, what="the dead letter")
    await consumed(stack.kafka_bootstrap, {spec_for_model(DutyCheckedIn).topic.name})
    assert [kind for kind, _ in await letters()] == ["MalformedEvent"]
    conn = await connect(service_dsns["evaluation"])
    try:
        with pytest.raises(RuleBroken) as reused:
            async with conn.transaction():
                await staff_facts.record(conn, event=changed, event_id=good_id)
        assert reused.value.rule == "event_id_reused"
        async with conn.transaction():
            assert await staff_facts.record(conn, event=good, event_id=good_id) is False
        stored = await conn.fetchval(
            "SELECT payload->>'checked_in_at' FROM evaluation.duty_facts WHERE event_id = $1",
            good_id,
        )
    finally:
        await conn.close()
    assert stored == good.model_dump(mode="json")["checked_in_at"]
