"""Reminders of meetings, lessons and report deadlines on the real stack, from the
events on Kafka: a meeting reminds its organisation's current members and moves when it
is rescheduled, and a cancelled one reminds nobody; a lesson reminds its volunteer; a
report deadline reminds the submitter and the authors until the report is submitted."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import httpx
import pytest

from shared.events.evaluation import ReportExpected, ReportSubmitted
from shared.events.recruitment import MembershipEnded, MembershipStarted
from shared.events.scheduling import LessonAssigned, MeetingCancelled, MeetingScheduled
from tests.e2e.notifications.remesc_support import DAY, H, consumed, my_reminders, now_s, times
from tests.e2e.notifications.routing_support import produce, routed, run_id, with_ids
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


def _meeting(college: str, meeting: str, department: str, starts: datetime) -> MeetingScheduled:
    return MeetingScheduled(
        college=college,
        meeting_id=meeting,
        organisation_kind="department",
        organisation_id=department,
        title="部门例会",
        agenda="总结上周工作",
        place="学生活动中心 201",
        starts_at=starts,
        ends_at=starts + H,
        term="2026-autumn",
    )


async def test_meeting_reminders_follow_the_meeting(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    run = run_id()
    college, department = f"m{run}", f"dept-{run}"
    members = [f"a-{run}", f"b-{run}"]
    meeting = str(uuid4())
    joined = with_ids(
        [
            MembershipStarted(
                college=college,
                membership_id=uuid4(),
                person_id=person,
                organisation_kind="department",
                organisation_id=department,
                how="admitted",
                started_at=now_s(),
            )
            for person in members
        ]
    )
    await produce(stack.kafka_bootstrap, joined)
    await routed(stack.kafka_bootstrap, joined)
    starts = now_s() + 3 * DAY
    async with httpx.AsyncClient(timeout=10) as client:
        scheduled = with_ids([_meeting(college, meeting, department, starts)])
        await produce(stack.kafka_bootstrap, scheduled)
        await consumed(stack.kafka_bootstrap, scheduled)
        for person in members:
            found = await my_reminders(client, services, college, person)
            assert times(found, meeting) == [starts - DAY, starts - H]
            assert found[0]["kind"] == "meeting_reminder"
            assert found[0]["fields"]["title"] == "部门例会"
        outsider = await my_reminders(client, services, college, f"c-{run}")
        assert outsider == []

        moved = starts + DAY + 2 * H
        again = with_ids([_meeting(college, meeting, department, moved)])
        await produce(stack.kafka_bootstrap, again)
        await consumed(stack.kafka_bootstrap, again)
        for person in members:
            found = await my_reminders(client, services, college, person)
            assert times(found, meeting) == [moved - DAY, moved - H]

        # A member who leaves the department is no longer reminded of its meetings.
        left = with_ids(
            [
                MembershipEnded(
                    college=college,
                    membership_id=uuid4(),
                    person_id=members[1],
                    organisation_kind="department",
                    organisation_id=department,
                    how="withdrawn",
                    reason="个人原因",
                    ended_at=now_s(),
                )
            ]
        )
        await produce(stack.kafka_bootstrap, left)
        await consumed(stack.kafka_bootstrap, left)
        assert await my_reminders(client, services, college, members[1]) == []
        assert len(await my_reminders(client, services, college, members[0])) == 2

        cancelled = with_ids(
            [MeetingCancelled(college=college, meeting_id=meeting, reason="场地冲突")]
        )
        await produce(stack.kafka_bootstrap, cancelled)
        await consumed(stack.kafka_bootstrap, cancelled)
        for person in members:
            assert await my_reminders(client, services, college, person) == []


async def test_lessons_and_report_deadlines_are_reminded(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    run = run_id()
    college = f"l{run}"
    volunteer, leader, author = f"v-{run}", f"lead-{run}", f"au-{run}"
    lesson, report = uuid4(), uuid4()
    lesson_starts = now_s() + 2 * DAY
    closes = now_s() + 5 * DAY
    async with httpx.AsyncClient(timeout=10) as client:
        events = with_ids(
            [
                LessonAssigned(
                    college=college,
                    lesson_id=lesson,
                    timetable_id=uuid4(),
                    volunteer_id=volunteer,
                    school="响肠小学",
                    class_name="三年级一班",
                    subject="英语",
                    room="教室 3",
                    starts_at=lesson_starts,
                    ends_at=lesson_starts + timedelta(minutes=45),
                ),
                ReportExpected(
                    college=college,
                    report_id=report,
                    season="2026-summer",
                    kind="team",
                    title="响肠小学支教调研报告",
                    submitter_id=leader,
                    author_ids=[leader, author],
                    opens_at=now_s(),
                    closes_at=closes,
                ),
            ]
        )
        await produce(stack.kafka_bootstrap, events)
        await consumed(stack.kafka_bootstrap, events)
        taught = await my_reminders(client, services, college, volunteer)
        assert times(taught, str(lesson)) == [lesson_starts - H]
        assert taught[0]["kind"] == "lesson_reminder"
        assert taught[0]["fields"]["class_name"] == "三年级一班"
        for person in (leader, author):
            found = await my_reminders(client, services, college, person)
            assert times(found, str(report)) == [closes - 2 * DAY, closes - DAY]
            assert {f["kind"] for f in found} == {"deadline_reminder"}
            assert found[0]["fields"]["what"] == "report"

        submitted = with_ids(
            [
                ReportSubmitted(
                    college=college,
                    report_id=report,
                    season="2026-summer",
                    version=1,
                    submitted_by=leader,
                    source="text",
                    characters=1200,
                    sha256="0" * 64,
                    late=False,
                    submitted_at=now_s(),
                )
            ]
        )
        await produce(stack.kafka_bootstrap, submitted)
        await consumed(stack.kafka_bootstrap, submitted)
        for person in (leader, author):
            assert await my_reminders(client, services, college, person) == []
