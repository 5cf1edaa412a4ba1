"""The attendance sanction rules (DOMAIN.md §2, seeds/004 会议考勤), each with its boundary:
one unexcused absence → verbal warning; 5 late arrivals or more than 3 unexcused
absences → compulsory withdrawal; leave for more than 1/3 of the term's meetings and
activities → expulsion; each rule once per term; unexcused absences count once the
retroactive-leave window (48 h after the meeting) has closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.scheduling.domain.attendance import (
    AttendanceRule,
    Mark,
    Standing,
    impose,
    sanction_due,
    tally,
)
from services.scheduling.domain.leave import RETROACTIVE_LEAVE_WINDOW
from services.scheduling.domain.meetings import Organisation
from shared.events.scheduling import Attendance

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=10)  # every window closed
PUBLICITY = Organisation(kind="department", id="publicity")


def standing(
    *,
    late: int = 0,
    unexcused: int = 0,
    excused: int = 0,
    present: int = 0,
    occasions: int = 12,
    imposed: frozenset[AttendanceRule] = frozenset(),
    ended_at: datetime = LONG_AGO,
    activity_leave: int = 0,
) -> Standing:
    marks: list[Mark] = []
    for attendance, n in (
        ("late", late),
        ("unexcused", unexcused),
        ("excused", excused),
        ("present", present),
    ):
        kind: Attendance = attendance  # type: ignore[assignment]
        marks += [Mark(attendance=kind, meeting_ends_at=ended_at)] * n
    return Standing(
        marks=tuple(marks), occasions=occasions, imposed=imposed, activity_leave=activity_leave
    )


def rule_of(s: Standing) -> AttendanceRule | None:
    due = sanction_due(s, now=NOW)
    return due.rule if due is not None else None


def test_nothing_is_due_for_a_member_who_comes() -> None:
    assert sanction_due(standing(present=8), now=NOW) is None


def test_one_unexcused_absence_brings_a_verbal_warning() -> None:
    due = sanction_due(standing(unexcused=1, present=3), now=NOW)
    assert due is not None
    assert (due.rule, due.sanction) == (AttendanceRule.UNEXCUSED_ABSENCE, "verbal_warning")
    assert "口头警告" in due.reason


@pytest.mark.parametrize(("absences", "rule"), [(2, None), (3, None), (4, "unexcused_absences")])
def test_the_warning_comes_once_then_more_than_three_absences_bring_withdrawal(
    absences: int, rule: str | None
) -> None:
    warned = frozenset({AttendanceRule.UNEXCUSED_ABSENCE})
    assert rule_of(standing(unexcused=absences, imposed=warned)) == rule


def test_three_unexcused_absences_are_not_more_than_three() -> None:
    due = sanction_due(standing(unexcused=3, imposed=frozenset()), now=NOW)
    assert due is not None and due.sanction == "verbal_warning"  # still only the warning


def test_four_unexcused_absences_bring_compulsory_withdrawal() -> None:
    due = sanction_due(standing(unexcused=4), now=NOW)
    assert due is not None
    assert (due.rule, due.sanction) == (
        AttendanceRule.UNEXCUSED_ABSENCES,
        "compulsory_withdrawal",
    )
    assert "4次" in due.reason and "强制性退会" in due.reason


@pytest.mark.parametrize(("lates", "rule"), [(4, None), (5, "late_arrivals"), (6, "late_arrivals")])
def test_five_late_arrivals_bring_compulsory_withdrawal(lates: int, rule: str | None) -> None:
    assert rule_of(standing(late=lates)) == rule


def test_late_arrivals_are_not_absences() -> None:
    assert rule_of(standing(late=4, present=10)) is None


@pytest.mark.parametrize(
    ("leave", "occasions", "rule"),
    [
        (4, 12, None),  # exactly one third
        (5, 12, "leave_share"),  # more than one third
        (1, 3, None),
        (2, 5, "leave_share"),
        (0, 0, None),
    ],
)
def test_leave_for_more_than_a_third_of_the_term_brings_expulsion(
    leave: int, occasions: int, rule: str | None
) -> None:
    assert rule_of(standing(excused=leave, occasions=occasions)) == rule


def test_leave_for_activities_counts_with_leave_for_meetings() -> None:
    # 3 meetings excused + 2 activities on leave = 5 of 12 occasions: more than a third.
    assert rule_of(standing(excused=3, activity_leave=2, occasions=12)) == "leave_share"
    assert rule_of(standing(excused=3, activity_leave=1, occasions=12)) is None


def test_expulsion_wins_over_withdrawal_and_withdrawal_over_the_warning() -> None:
    due = sanction_due(standing(excused=5, late=5, unexcused=4, occasions=12), now=NOW)
    assert due is not None and due.sanction == "expulsion"
    due = sanction_due(standing(late=5, unexcused=4), now=NOW)
    assert due is not None and due.rule is AttendanceRule.LATE_ARRIVALS
    due = sanction_due(standing(unexcused=4), now=NOW)
    assert due is not None and due.sanction == "compulsory_withdrawal"  # not the warning


@pytest.mark.parametrize(
    "ending",
    [AttendanceRule.LATE_ARRIVALS, AttendanceRule.UNEXCUSED_ABSENCES, AttendanceRule.LEAVE_SHARE],
)
def test_after_an_ending_sanction_nothing_more_is_imposed_that_term(ending: AttendanceRule) -> None:
    assert rule_of(standing(late=9, unexcused=9, excused=9, imposed=frozenset({ending}))) is None


def test_each_rule_imposes_once_per_term() -> None:
    warned = frozenset({AttendanceRule.UNEXCUSED_ABSENCE})
    assert rule_of(standing(unexcused=1, imposed=warned)) is None


def test_an_unexcused_absence_counts_once_its_leave_window_has_closed() -> None:
    meeting_ended = NOW - RETROACTIVE_LEAVE_WINDOW + timedelta(seconds=1)
    open_window = standing(unexcused=1, ended_at=meeting_ended)
    assert sanction_due(open_window, now=NOW) is None
    assert tally(open_window, now=NOW).unexcused_pending == 1
    closed = NOW - RETROACTIVE_LEAVE_WINDOW
    assert rule_of(standing(unexcused=1, ended_at=closed)) == "unexcused_absence"


def test_withdrawal_waits_for_the_fourth_absence_window_but_not_for_lates() -> None:
    recent = NOW - timedelta(hours=1)
    marks = (Mark("unexcused", LONG_AGO),) * 3 + (Mark("unexcused", recent),)
    warned = frozenset({AttendanceRule.UNEXCUSED_ABSENCE})
    assert sanction_due(Standing(marks=marks, occasions=10, imposed=warned), now=NOW) is None
    lates = (Mark("late", recent),) * 5
    due = sanction_due(Standing(marks=lates, occasions=10, imposed=frozenset()), now=NOW)
    assert due is not None and due.rule is AttendanceRule.LATE_ARRIVALS


def test_the_sanction_event_names_the_organisation_as_recruitment_keeps_it() -> None:
    due = sanction_due(standing(late=5), now=NOW)
    assert due is not None
    meeting_id, sanction_id = uuid4(), uuid4()
    imposed, event = impose(
        due,
        college="cs",
        sanction_id=sanction_id,
        person_id="cs-2025003",
        organisation=PUBLICITY,
        term="2026-autumn",
        meeting_id=meeting_id,
        now=NOW,
    )
    assert imposed.rule is AttendanceRule.LATE_ARRIVALS and imposed.meeting_id == meeting_id
    assert event.model_dump(
        include={
            "college",
            "person_id",
            "organisation_kind",
            "organisation_id",
            "sanction",
            "term",
            "sanction_id",
        }
    ) == {
        "college": "cs",
        "person_id": "cs-2025003",
        "organisation_kind": "department",
        "organisation_id": "publicity",
        "sanction": "compulsory_withdrawal",
        "term": "2026-autumn",
        "sanction_id": sanction_id,
    }
    assert event.imposed_at == NOW
