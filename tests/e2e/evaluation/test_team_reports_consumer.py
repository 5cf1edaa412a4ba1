"""Recruitment's project-team events on Kafka become evaluation's expected team reports.

The events are produced to recruitment's topic exactly as its outbox relay would
(CloudEvents headers, key = team id); the running evaluation service consumes them. In
either order, each replayed twice (the same event ids, then new ones), a registered and
approved team gets ONE report and ONE ReportExpected; a rejected team none; a team
approved before its season exists gets its report when the chair creates the season.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from uuid import uuid4

import httpx
import pytest

from shared.events.codec import encode
from tests.e2e.evaluation.college import COLLEGE
from tests.e2e.evaluation.reports_support import (
    CHAIR,
    EXPECTED,
    TEAM_TOPIC,
    approved,
    consumed,
    evaluation_base,
    new_season_name,
    produce,
    put_season,
    registered,
    rejected,
    season_reports,
)
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, header, read_topic, send, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


async def expected_events(bootstrap: str, report_id: str) -> list[dict]:
    return await events_keyed(bootstrap, EXPECTED, report_id)


async def one_expected_each(bootstrap: str, reports: list[dict]) -> None:
    """Each report's ReportExpected published, and only once (given the relay time)."""
    for report in reports:
        report_id = report["report_id"]

        async def published(report_id: str = report_id) -> bool:
            return len(await expected_events(bootstrap, report_id)) >= 1

        await wait_until(published, timeout_s=30, what="ReportExpected on Kafka")
    await asyncio.sleep(2)  # a second one, if any were written, would be out by now
    for report in reports:
        events = await expected_events(bootstrap, report["report_id"])
        assert len(events) == 1, events


async def test_both_orders_replayed_twice_give_one_report_and_one_event_per_team(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    base = evaluation_base(services)
    season = new_season_name()
    first, second, refused = uuid4(), uuid4(), uuid4()
    lead1, lead2 = f"s-{uuid4().hex[:6]}", f"s-{uuid4().hex[:6]}"
    members = [f"s-{uuid4().hex[:6]}" for _ in range(3)]
    async with httpx.AsyncClient(timeout=20) as client:
        await put_season(client, base, season)
        in_order = [
            (registered(first, season, lead1, members), uuid4()),
            (approved(first, season), uuid4()),
        ]
        reversed_ = [
            (approved(second, season, "II"), uuid4()),
            (registered(second, season, lead2, [lead2, members[0]]), uuid4()),
        ]
        never = [
            (registered(refused, season, "s-x", ["s-y"]), uuid4()),
            (rejected(refused, season), uuid4()),
        ]
        await produce(stack.kafka_bootstrap, *in_order, *reversed_, *never)
        # Replays: the same event ids (redeliveries), then the same facts under new ids.
        await produce(stack.kafka_bootstrap, *in_order, *reversed_, *never)
        await produce(
            stack.kafka_bootstrap,
            *[(event, uuid4()) for event, _ in (*in_order, *reversed_, *never)],
        )
        await consumed(stack.kafka_bootstrap)
        reports = await season_reports(client, base, season)
        by_team = {r["team_id"]: r for r in reports}
        assert sorted(by_team) == sorted([str(first), str(second)])
        assert len(reports) == 2
        one = by_team[str(first)]
        assert one["kind"] == "team"
        assert one["submitter_id"] == lead1
        assert one["author_ids"] == [lead1, *members]
        assert (one["advisor_id"], one["project_class"]) == ("t-advisor", "I")
        assert one["title"] == "“童心同行”乡村留守儿童关爱实践队"
        assert (one["current_version"], one["submitted"], one["late"]) == (0, False, False)
        two = by_team[str(second)]
        assert two["author_ids"] == [lead2, members[0]]  # the leader once
        assert two["project_class"] == "II"
        await one_expected_each(stack.kafka_bootstrap, reports)
        [event] = await expected_events(stack.kafka_bootstrap, one["report_id"])
        assert event["team_id"] == str(first)
        assert event["submitter_id"] == lead1 and event["kind"] == "team"
        # The authors read it; someone else is told it is not there.
        mine = await client.get(
            f"{base}/me/reports", headers=bearer(members[1], "student", COLLEGE)
        )
        assert [r["report_id"] for r in mine.json()["items"]] == [one["report_id"]]
        stranger = await client.get(
            f"{base}/reports/{one['report_id']}", headers=bearer("s-nobody", "student", COLLEGE)
        )
        assert stranger.status_code == 404


async def test_a_team_approved_before_its_season_gets_its_report_when_the_season_is_created(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    base = evaluation_base(services)
    season = new_season_name()
    team = uuid4()
    leader = f"s-{uuid4().hex[:6]}"
    await produce(
        stack.kafka_bootstrap,
        (approved(team, season), uuid4()),
        (registered(team, season, leader, ["s-m1", "s-m2"]), uuid4()),
    )
    await consumed(stack.kafka_bootstrap)
    async with httpx.AsyncClient(timeout=20) as client:
        missing = await client.get(f"{base}/seasons/{season}/reports", headers=CHAIR)
        assert missing.status_code == 404  # no season yet, so no report either
        created = await client.put(
            f"{base}/seasons/{season}",
            json={"title": "秋季学期社会实践报告", "term_starts_on": "2026-09-07"},
            headers=CHAIR,
        )
        assert created.status_code == 201, created.text
        # The default window: the first two weeks of term, from 00:00 Asia/Shanghai.
        assert created.json()["opens_at"] == "2026-09-06T16:00:00Z"
        assert created.json()["closes_at"] == "2026-09-20T16:00:00Z"
        [report] = await season_reports(client, base, season)
        assert (report["team_id"], report["submitter_id"]) == (str(team), leader)
        # Updating the season, or the facts again, expects nothing more.
        updated = await client.put(
            f"{base}/seasons/{season}",
            json={"title": "秋季学期社会实践报告(修订)", "term_starts_on": "2026-09-07"},
            headers=CHAIR,
        )
        assert updated.status_code == 200
        await produce(stack.kafka_bootstrap, (approved(team, season), uuid4()))
        await consumed(stack.kafka_bootstrap)
        assert len(await season_reports(client, base, season)) == 1
        await one_expected_each(stack.kafka_bootstrap, [report])
        [event] = await expected_events(stack.kafka_bootstrap, report["report_id"])
        assert event["opens_at"] == "2026-09-06T16:00:00Z"


async def test_malformed_and_foreign_team_events_are_dead_lettered(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    base = evaluation_base(services)
    season = new_season_name()
    team = uuid4()
    good = encode(
        registered(team, season, "s-lead", ["s-a"]),
        source="/campusflow/recruitment",
        now=datetime.now(UTC),
    )
    payload = json.loads(good.value)
    del payload["leader_id"]
    await send(stack.kafka_bootstrap, [(good, json.dumps(payload).encode())])
    # The same team id claimed by another college after cs knows it.
    foreign = registered(team, season, "fl-lead", ["fl-a"], college="fl")
    await produce(
        stack.kafka_bootstrap,
        (registered(team, season, "s-lead", ["s-a"]), uuid4()),
        (foreign, uuid4()),
        (approved(team, season), uuid4()),
    )

    async def dead_letters() -> list[tuple[str | None, str | None]]:
        return [
            (header(r, "dlt_error_class"), header(r, "dlt_error_message"))
            for r in await read_topic(stack.kafka_bootstrap, f"{TEAM_TOPIC}.dlt")
            if header(r, "dlt_consumer") == "evaluation.team-reports"
            and r.key == str(team).encode()
        ]

    async def both_dead() -> bool:
        return len(await dead_letters()) >= 2

    await wait_until(both_dead, timeout_s=60, what="two dead letters")
    letters = await dead_letters()
    assert any(kind == "MalformedEvent" for kind, _ in letters), letters
    assert any("team_of_another_college" in (message or "") for _, message in letters), letters
    async with httpx.AsyncClient(timeout=20) as client:
        await put_season(client, base, season)
        [report] = await season_reports(client, base, season)
        assert report["submitter_id"] == "s-lead"  # the foreign fact changed nothing
        assert report["team_id"] == str(team)
