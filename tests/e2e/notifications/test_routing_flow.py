"""Routing on the real stack: recruitment's, scheduling's and evaluation's events, produced
onto Kafka as their outbox would, reach the right people's inboxes exactly once — also
when every event is delivered twice more — with recipients found in the read models
(an organisation's members, a team, a report's authors, the next shift's holders) and
the contact directory (the committee chair)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import httpx
import pytest

from shared.events import evaluation as ev
from shared.events import recruitment as rc
from shared.events import scheduling as sc
from tests.e2e.notifications.routing_support import (
    admin,
    inbox,
    kinds_of,
    produce,
    routed,
    run_id,
    with_ids,
)
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

COLLEGE = "cs"
T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


async def test_events_reach_the_people_they_concern_exactly_once_through_replays(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    url, bootstrap, run = services["notifications"], stack.kafka_bootstrap, run_id()
    p = {name: f"{name}-{run}" for name in ("ann", "bob", "cat", "dan", "eve", "fay", "chair")}
    dept, rota, team_id, report_id = f"dept-{run}", uuid4(), uuid4(), uuid4()
    first_shift, next_shift, meeting_id = uuid4(), uuid4(), uuid4()
    bobs_membership = uuid4()

    async with httpx.AsyncClient(timeout=10) as client:
        chair = await client.put(
            f"{url}/api/notifications/colleges/{COLLEGE}/directory/committee_chair/{p['chair']}",
            json={"name": "陈主任", "contact_points": {"email": f"chair-{run}@example.edu.cn"}},
            headers=admin(COLLEGE),
        )
        assert chair.status_code == 200, chair.text

        # What the read models must know first: memberships, a team, shifts, a report.
        facts = with_ids(
            [
                _membership_started(p["ann"], dept, uuid4()),
                _membership_started(p["bob"], dept, bobs_membership),
                rc.ProjectTeamRegistered(
                    college=COLLEGE,
                    team_id=team_id,
                    season="2026",
                    title="大别山留守儿童阅读调研",
                    leader_id=p["cat"],
                    member_ids=[p["dan"]],
                    advisor_id=p["eve"],
                    registered_at=T0,
                ),
                _shift(first_shift, rota, p["ann"], T0),
                _shift(next_shift, rota, p["fay"], T0 + timedelta(hours=4)),
                ev.ReportExpected(
                    college=COLLEGE,
                    report_id=report_id,
                    season="2026",
                    kind="team",
                    team_id=team_id,
                    submitter_id=p["cat"],
                    author_ids=[p["cat"], p["dan"]],
                    opens_at=T0,
                    closes_at=T0 + timedelta(days=30),
                ),
            ]
        )
        await produce(bootstrap, facts)
        await routed(bootstrap, facts)

        # Then what concerns them.
        told = with_ids(
            [
                sc.MeetingScheduled(
                    college=COLLEGE,
                    meeting_id=meeting_id,
                    organisation_kind="department",
                    organisation_id=dept,
                    title="部门例会",
                    agenda="1. 纳新总结 2. 值班安排",
                    place="学生活动中心 203",
                    starts_at=T0 + timedelta(days=1),
                    ends_at=T0 + timedelta(days=1, hours=1),
                    term="2026-fall",
                ),
                rc.ProjectTeamApproved(
                    college=COLLEGE,
                    team_id=team_id,
                    season="2026",
                    project_class="I",
                    budget_yuan=3000,
                    approved_at=T0,
                ),
                sc.HandoverRecorded(
                    college=COLLEGE,
                    handover_id=uuid4(),
                    shift_id=first_shift,
                    person_id=p["ann"],
                    post="值班室",
                    unfinished_tasks="快递未取",
                    recorded_at=T0 + timedelta(hours=4),
                ),
                ev.ReviewAssigned(
                    college=COLLEGE,
                    report_id=report_id,
                    season="2026",
                    reviewer_id=p["eve"],
                    why="initial",
                    assigned_at=T0,
                ),
                ev.SimilarityFlagged(
                    college=COLLEGE,
                    report_id=report_id,
                    season="2026",
                    version=1,
                    containment=0.62,
                    threshold=0.4,
                    sources=[],
                    flagged_at=T0,
                ),
                ev.CreditsAwarded(
                    college=COLLEGE,
                    entry_id=uuid4(),
                    student_id=p["dan"],
                    report_id=report_id,
                    season="2026",
                    credits=1,
                    balance=1,
                    reason="社会实践合格",
                    awarded_at=T0,
                ),
            ]
        )
        await produce(bootstrap, told)
        await routed(bootstrap, told)

        expected = {
            "ann": ["meeting_scheduled", "membership_started", "shift_assigned"],
            "bob": ["meeting_scheduled", "membership_started"],
            "cat": ["report_expected", "team_approved"],
            "dan": ["credits_awarded", "report_expected", "team_approved"],
            "eve": ["review_assigned", "team_approved"],
            "fay": ["handover_recorded", "shift_assigned"],
            "chair": ["similarity_flagged"],
        }
        for name, kinds in expected.items():
            assert await kinds_of(client, url, COLLEGE, p[name]) == kinds, name

        # Fields from the read models: the team's title, the report's title (its team's).
        eve = {n["kind"]: n for n in await inbox(client, url, COLLEGE, p["eve"])}
        assert "大别山留守儿童阅读调研" in eve["team_approved"]["body"]
        assert eve["review_assigned"]["subject_id"] == str(report_id)
        fay = {n["kind"]: n for n in await inbox(client, url, COLLEGE, p["fay"])}
        assert "快递未取" in fay["handover_recorded"]["body"]

        # Every event delivered twice more (a relay retrying, a consumer restarting).
        await produce(bootstrap, [*facts, *told])
        await produce(bootstrap, [*facts, *told])
        await routed(bootstrap, [*facts, *told])
        for name, kinds in expected.items():
            assert await kinds_of(client, url, COLLEGE, p[name]) == kinds, name

        # Someone who left is not called to the cancelled meeting; who stays is told.
        left = with_ids([_membership_ended(p["bob"], dept, bobs_membership)])
        await produce(bootstrap, left)
        await routed(bootstrap, left)
        cancelled = with_ids(
            [sc.MeetingCancelled(college=COLLEGE, meeting_id=meeting_id, reason="与考试冲突")]
        )
        await produce(bootstrap, cancelled)
        await routed(bootstrap, cancelled)
        ann = {n["kind"]: n for n in await inbox(client, url, COLLEGE, p["ann"])}
        assert "部门例会" in ann["meeting_cancelled"]["body"]
        assert "meeting_cancelled" not in await kinds_of(client, url, COLLEGE, p["bob"])
        assert "membership_ended" in await kinds_of(client, url, COLLEGE, p["bob"])

        # The same person id in another college hears nothing of this college's events.
        assert await kinds_of(client, url, "math", p["ann"]) == []


def _membership_started(person: str, dept: str, membership: UUID) -> rc.MembershipStarted:
    return rc.MembershipStarted(
        college=COLLEGE,
        membership_id=membership,
        person_id=person,
        organisation_kind="department",
        organisation_id=dept,
        how="admitted",
        started_at=T0,
    )


def _membership_ended(person: str, dept: str, membership: UUID) -> rc.MembershipEnded:
    return rc.MembershipEnded(
        college=COLLEGE,
        membership_id=membership,
        person_id=person,
        organisation_kind="department",
        organisation_id=dept,
        how="withdrawn",
        reason="个人原因",
        ended_at=T0,
    )


def _shift(shift_id: UUID, rota: UUID, person: str, starts_at: datetime) -> sc.ShiftAssigned:
    return sc.ShiftAssigned(
        college=COLLEGE,
        shift_id=shift_id,
        rota_id=rota,
        person_id=person,
        post="值班室",
        place="学生活动中心 101",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=4),
    )
