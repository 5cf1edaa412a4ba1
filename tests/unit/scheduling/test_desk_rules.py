"""Duty desk rules (DOMAIN.md §2, 值班签到 / 交接): the check-in window, late arrivals,
the no-show time, whose shift it is, the handover note."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from services.scheduling.domain.desk import (
    LATE_TOLERANCE,
    CheckIn,
    DutyShift,
    Handover,
    HandoverNote,
    check_in,
    choose_shift,
    hand_over,
    in_check_in_window,
    is_late,
    no_show,
    no_show_due,
    shift_on_duty,
)
from services.scheduling.domain.desk_code import CodeKey, issue_code
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit
KEY = CodeKey(secret=b"desk-secret-for-tests", rotation_s=60)
START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # 08:00 in Asia/Shanghai
EARLY = timedelta(minutes=15)
GRACE = timedelta(minutes=10)
DAY = DutyShift(
    college="cs",
    shift_id=UUID(int=1),
    rota_id=UUID(int=100),
    post="day",
    place="学生会办公室",
    starts_at=START,
    ends_at=START + timedelta(hours=4),
    holders=("cs-2024001", "cs-2024002"),
)


def signed_in(at: datetime, *, person: str = "cs-2024001", shift: DutyShift = DAY) -> CheckIn:
    code = issue_code(KEY, college="cs", post=shift.post, now=at)
    record, event = check_in(
        shift, code=code, person_id=person, check_in_id=uuid4(), now=at, early=EARLY
    )
    assert (event.shift_id, event.person_id, event.late) == (shift.shift_id, person, record.late)
    assert event.aggregate_id == str(shift.shift_id)
    return record


def refusal(at: datetime, person: str = "cs-2024001") -> RuleBroken:
    with pytest.raises(RuleBroken) as refused:
        signed_in(at, person=person)
    return refused.value


def test_the_window_opens_early_and_closes_at_the_end() -> None:
    assert not in_check_in_window(DAY, START - EARLY - timedelta(seconds=1), EARLY)
    assert in_check_in_window(DAY, START - EARLY, EARLY)
    assert in_check_in_window(DAY, DAY.ends_at - timedelta(seconds=1), EARLY)
    assert not in_check_in_window(DAY, DAY.ends_at, EARLY)


def test_signing_in_before_the_start_or_within_the_tolerance_is_on_time() -> None:
    assert not signed_in(START - EARLY).late
    assert not signed_in(START).late
    assert not signed_in(START + LATE_TOLERANCE).late


def test_signing_in_after_the_start_and_tolerance_is_late_until_the_end() -> None:
    assert LATE_TOLERANCE == timedelta(minutes=1)
    assert is_late(DAY, START + LATE_TOLERANCE + timedelta(seconds=1))
    record = signed_in(DAY.ends_at - timedelta(minutes=1))
    assert record.late


@pytest.mark.parametrize(
    "at",
    [START - EARLY - timedelta(seconds=1), START + timedelta(hours=4), START - timedelta(days=1)],
)
def test_signing_in_outside_the_window_is_refused(at: datetime) -> None:
    refused = refusal(at)
    assert (refused.rule, refused.field, refused.invalid) == ("check_in_window", "shift_id", False)


def test_someone_elses_shift_is_refused() -> None:
    refused = refusal(START, person="cs-2024999")
    assert (refused.rule, refused.field) == ("not_your_shift", "shift_id")


def test_a_code_of_another_post_does_not_sign_in_for_this_one() -> None:
    evening = issue_code(KEY, college="cs", post="evening", now=START)
    with pytest.raises(RuleBroken) as refused:
        check_in(
            DAY, code=evening, person_id="cs-2024001", check_in_id=uuid4(), now=START, early=EARLY
        )
    assert (refused.value.rule, refused.value.field) == ("code_other_post", "code")


def test_no_show_at_start_plus_grace_or_assignment_plus_grace() -> None:
    assert no_show_due(START, GRACE, assigned_at=START - timedelta(days=3)) == START + GRACE
    late_swap = START + timedelta(minutes=30)
    assert no_show_due(START, GRACE, assigned_at=late_swap) == late_swap + GRACE


def test_a_no_show_is_a_duty_missed_event_keyed_by_shift() -> None:
    record, event = no_show(DAY, person_id="cs-2024002", now=START + GRACE)
    assert (record.person_id, record.starts_at, record.recorded_at) == (
        "cs-2024002",
        START,
        START + GRACE,
    )
    assert (event.shift_id, event.person_id, event.post, event.starts_at) == (
        DAY.shift_id,
        "cs-2024002",
        "day",
        START,
    )
    assert event.aggregate_id == str(DAY.shift_id)


EVENING_BEFORE = replace(
    DAY,
    shift_id=UUID(int=2),
    starts_at=START - timedelta(hours=4),
    ends_at=START + timedelta(minutes=5),
)
OTHERS = replace(DAY, shift_id=UUID(int=3), holders=("cs-2024007",))


def test_the_members_open_shift_is_chosen_not_yet_signed_in_first() -> None:
    shifts = [EVENING_BEFORE, DAY]
    chosen = choose_shift(
        shifts, person_id="cs-2024001", post="day", signed_in=frozenset(), now=START, early=EARLY
    )
    assert chosen == EVENING_BEFORE  # the earliest first
    chosen = choose_shift(
        shifts,
        person_id="cs-2024001",
        post="day",
        signed_in=frozenset({EVENING_BEFORE.shift_id}),
        now=START,
        early=EARLY,
    )
    assert chosen == DAY


def test_choosing_among_others_shifts_or_none_names_the_rule() -> None:
    with pytest.raises(RuleBroken) as others:
        choose_shift(
            [OTHERS],
            person_id="cs-2024001",
            post="day",
            signed_in=frozenset(),
            now=START,
            early=EARLY,
        )
    assert others.value.rule == "not_your_shift"
    with pytest.raises(RuleBroken) as none:
        choose_shift(
            [DAY],
            person_id="cs-2024001",
            post="day",
            signed_in=frozenset(),
            now=START - timedelta(hours=1),
            early=EARLY,
        )
    assert none.value.rule == "check_in_window"


def test_the_shift_on_duty_is_the_one_under_way_else_the_next() -> None:
    upcoming = replace(
        DAY,
        shift_id=UUID(int=4),
        starts_at=START + timedelta(hours=4),
        ends_at=START + timedelta(hours=8),
    )
    assert shift_on_duty([DAY, upcoming], START + timedelta(hours=3, minutes=50)) == DAY
    assert shift_on_duty([upcoming], START + timedelta(hours=3, minutes=50)) == upcoming
    assert shift_on_duty([], START) is None


NOTE = HandoverNote(
    work_done="接待来访同学三人，整理档案",
    problems="打印机卡纸",
    unfinished_tasks="活动报名表未收齐",
    important_notes="值班结束后切断电脑、打印机电源",
)


def handed_over(person: str = "cs-2024001", **kwargs: object) -> Handover:
    arguments: dict[str, object] = {
        "person_id": person,
        "on_behalf_of_the_office": False,
        "note": NOTE,
        "handover_id": uuid4(),
        "already_handed_over": False,
        "now": DAY.ends_at - timedelta(minutes=5),
        **kwargs,
    }
    record, event = hand_over(DAY, **arguments)  # type: ignore[arg-type]
    assert event.handover_id == record.handover_id
    return record


def test_a_member_on_the_shift_hands_over_with_the_four_parts() -> None:
    record, event = hand_over(
        DAY,
        person_id="cs-2024002",
        on_behalf_of_the_office=False,
        note=NOTE,
        handover_id=uuid4(),
        already_handed_over=False,
        now=DAY.ends_at,
    )
    assert (record.note, record.person_id, record.recorded_at) == (NOTE, "cs-2024002", DAY.ends_at)
    assert event.unfinished_tasks == "活动报名表未收齐"
    assert event.aggregate_id == str(DAY.shift_id)


def test_an_officer_may_hand_over_any_shift_a_stranger_may_not() -> None:
    handed_over("officer-1", on_behalf_of_the_office=True)
    with pytest.raises(RuleBroken) as refused:
        handed_over("cs-2024999")
    assert refused.value.rule == "not_your_shift"


@pytest.mark.parametrize(
    ("kwargs", "rule", "field"),
    [
        ({"now": START - timedelta(minutes=1)}, "handover_before_start", "shift_id"),
        ({"already_handed_over": True}, "handover_already_recorded", "shift_id"),
        ({"note": HandoverNote(work_done="  ")}, "handover_work_done_required", "work_done"),
        ({"note": HandoverNote(work_done="x", problems="长" * 4001)}, "too_long", "problems"),
    ],
)
def test_handover_refusals_name_the_rule(kwargs: dict[str, object], rule: str, field: str) -> None:
    with pytest.raises(RuleBroken) as refused:
        handed_over("cs-2024001", **kwargs)
    assert (refused.value.rule, refused.value.field) == (rule, field)
