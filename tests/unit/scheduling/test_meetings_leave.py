"""Leave (请假) and taking attendance: asked before the meeting or within 48 h after it
with a reason, decided once by the department head; "excused" only with granted leave."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.scheduling.domain.attendance import (
    AttendanceRecord,
    attendees,
    changed,
    excuse,
    take_attendance,
)
from services.scheduling.domain.leave import (
    RETROACTIVE_LEAVE_WINDOW,
    Leave,
    covers,
    decide_leave,
    request_leave,
)
from services.scheduling.domain.meetings import Meeting, MeetingPlan, Organisation, schedule
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit
PUBLICITY = Organisation(kind="department", id="publicity")
STARTS = datetime(2026, 10, 14, 11, tzinfo=UTC)  # 19:00 campus time
ENDS = STARTS + timedelta(hours=1)


def meeting(organisation: Organisation = PUBLICITY, starts: datetime = STARTS) -> Meeting:
    plan = MeetingPlan(
        organisation=organisation, title="部门例会", agenda="", place="", term="2026-autumn"
    )
    made, _ = schedule(
        plan,
        college="cs",
        meeting_id=uuid4(),
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        scheduled_by="o",
        now=STARTS - timedelta(days=30),
    )
    return made


def ask(m: Meeting | None, *, now: datetime, **overrides: object) -> Leave:
    arguments: dict[str, object] = {
        "college": "cs",
        "leave_id": uuid4(),
        "person_id": "cs-2025003",
        "organisation": PUBLICITY,
        "meeting": m,
        "starts_at": STARTS,
        "ends_at": ENDS,
        "reason": "家中有事",
        "is_member": True,
        "already_requested": False,
        "now": now,
    }
    arguments.update(overrides)
    leave, event = request_leave(**arguments)  # type: ignore[arg-type]
    assert (event.leave_id, event.retroactive) == (leave.leave_id, leave.retroactive)
    return leave


def test_leave_asked_before_the_meeting_is_not_retroactive() -> None:
    leave = ask(meeting(), now=STARTS)
    assert not leave.retroactive and leave.status == "requested"


def test_leave_asked_after_the_start_is_retroactive_until_48_hours_after_the_end() -> None:
    m = meeting()
    assert ask(m, now=STARTS + timedelta(seconds=1)).retroactive
    assert ask(m, now=ENDS + RETROACTIVE_LEAVE_WINDOW).retroactive
    with pytest.raises(RuleBroken) as late:
        ask(m, now=ENDS + RETROACTIVE_LEAVE_WINDOW + timedelta(seconds=1))
    assert (late.value.rule, late.value.field, late.value.invalid) == (
        "leave_too_late",
        "meeting_id",
        False,
    )


def test_leave_for_a_meeting_takes_the_meeting_times() -> None:
    m = meeting()
    leave = ask(m, now=STARTS - timedelta(days=1), starts_at=STARTS - timedelta(days=9))
    assert (leave.meeting_id, leave.starts_at, leave.ends_at) == (
        m.meeting_id,
        m.starts_at,
        m.ends_at,
    )


def test_a_period_of_leave_is_checked_and_windowed_by_its_end() -> None:
    with pytest.raises(RuleBroken) as backwards:
        ask(None, now=STARTS, starts_at=ENDS, ends_at=STARTS)
    assert (backwards.value.rule, backwards.value.field) == ("ends_after_start", "ends_at")
    with pytest.raises(RuleBroken) as long:
        ask(None, now=STARTS, ends_at=STARTS + timedelta(days=121))
    assert long.value.rule == "leave_too_long"
    with pytest.raises(RuleBroken) as late:
        ask(None, now=ENDS + timedelta(hours=49))
    assert (late.value.rule, late.value.field) == ("leave_too_late", "starts_at")


@pytest.mark.parametrize(
    ("overrides", "rule", "field"),
    [
        ({"is_member": False}, "unknown_member", "person_id"),
        ({"already_requested": True}, "leave_already_requested", "meeting_id"),
    ],
)
def test_leave_is_refused_to_non_members_and_asked_once(
    overrides: dict[str, object], rule: str, field: str
) -> None:
    with pytest.raises(RuleBroken) as refused:
        ask(meeting(), now=STARTS - timedelta(hours=1), **overrides)
    assert (refused.value.rule, refused.value.field) == (rule, field)


def test_no_leave_for_a_cancelled_meeting() -> None:
    cancelled = replace(meeting(), status="cancelled")
    with pytest.raises(RuleBroken) as refused:
        ask(cancelled, now=STARTS - timedelta(hours=1))
    assert refused.value.rule == "meeting_cancelled"


def test_the_department_head_decides_once() -> None:
    leave = ask(meeting(), now=STARTS - timedelta(hours=1))
    granted, event = decide_leave(
        leave, decision="granted", decided_by="cs-officer", note="", now=STARTS
    )
    assert (granted.status, event.decision, event.decided_by) == (
        "granted",
        "granted",
        "cs-officer",
    )
    with pytest.raises(RuleBroken) as twice:
        decide_leave(granted, decision="refused", decided_by="cs-officer", note="", now=STARTS)
    assert (twice.value.rule, twice.value.field) == ("leave_already_decided", "leave_id")


def test_granted_leave_covers_its_meeting_or_the_organisations_meetings_in_its_period() -> None:
    m, other = meeting(), meeting(starts=STARTS + timedelta(days=7))
    for_m = replace(ask(m, now=STARTS - timedelta(hours=1)), status="granted")
    assert covers(for_m, m) and not covers(for_m, other)
    period = replace(
        ask(None, now=STARTS - timedelta(hours=1), ends_at=STARTS + timedelta(days=3)),
        status="granted",
    )
    assert covers(period, m) and not covers(period, other)
    assert not covers(replace(period, status="requested"), m)
    assert not covers(period, meeting(Organisation(kind="department", id="sports")))


def mark(
    m: Meeting, asked: str, leave: Leave | None = None, member: bool = True
) -> AttendanceRecord:
    return take_attendance(
        m,
        person_id="cs-2025003",
        asked=asked,  # type: ignore[arg-type]
        leave=leave,
        is_member=member,
        position=2,
        recorded_by="cs-officer",
        now=ENDS,
    )


def test_excused_needs_granted_leave() -> None:
    with pytest.raises(RuleBroken) as refused:
        mark(meeting(), "excused")
    assert (refused.value.rule, refused.value.field) == ("excused_without_leave", "2.attendance")


def test_an_absence_with_granted_leave_is_excused_whatever_the_officer_marks() -> None:
    m = meeting()
    leave = replace(ask(m, now=STARTS - timedelta(hours=1)), status="granted")
    for asked in ("excused", "unexcused"):
        record = mark(m, asked, leave)
        assert (record.attendance, record.leave_id) == ("excused", leave.leave_id)
    came = mark(m, "late", leave)
    assert (came.attendance, came.leave_id) == ("late", None)


def test_attendance_only_for_members() -> None:
    with pytest.raises(RuleBroken) as refused:
        mark(meeting(), "present", member=False)
    assert (refused.value.rule, refused.value.field, refused.value.invalid) == (
        "unknown_member",
        "2.person_id",
        True,
    )


def test_taking_the_same_attendance_again_changes_nothing() -> None:
    m = meeting()
    first = mark(m, "late")
    assert changed(None, first)
    assert not changed(first, replace(first, recorded_at=ENDS + timedelta(hours=1)))
    assert changed(first, mark(m, "present"))


def test_retroactive_leave_excuses_an_absence_already_recorded() -> None:
    m = meeting()
    leave = replace(ask(m, now=ENDS + timedelta(hours=2)), status="granted", decided_by="head")
    absent = mark(m, "unexcused")
    excused = excuse(absent, leave, now=ENDS + timedelta(hours=3))
    assert excused is not None and (excused.attendance, excused.leave_id) == (
        "excused",
        leave.leave_id,
    )
    assert excuse(mark(m, "present"), leave, now=ENDS) is None


def test_the_people_of_a_meeting_show_granted_leave_first() -> None:
    m = meeting()
    refused = replace(ask(m, now=STARTS - timedelta(hours=2)), status="refused")
    granted = replace(ask(m, now=STARTS - timedelta(hours=1)), status="granted")
    record = mark(m, "excused", granted)
    people = attendees(
        ["cs-2025003", "cs-2025009"],
        members=["cs-2025003"],
        records={"cs-2025003": record},
        leaves=[granted, refused],
    )
    assert [(p.person_id, p.member, p.attendance, p.leave_status) for p in people] == [
        ("cs-2025003", True, "excused", "granted"),
        ("cs-2025009", False, None, None),
    ]
