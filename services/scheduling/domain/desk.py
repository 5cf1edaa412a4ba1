"""The duty desk (值班签到 / 交接): the check-in window, late arrivals and no-shows, the
handover note, the duty log. The rotating code the desk shows: `desk_code`.

The check-in window of a shift runs from `early` before its start to its end. A sign-in
after the start plus `LATE_TOLERANCE` (one minute: the time to scan the code on arrival)
is late. Nobody signed in by the start plus grace: a no-show (`DutyMissed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from services.scheduling.domain.desk_code import CodeKey, SignInCode, code_broken
from services.scheduling.domain.rules import RuleBroken
from shared.events.scheduling import DutyCheckedIn, DutyMissed, HandoverRecorded

# Signed in within this long after the start: on time (the time to scan on arrival).
LATE_TOLERANCE = timedelta(minutes=1)
NOTE_MAX_LENGTH = 4000


# --- shifts, the check-in window, late and no-show -----------------------------------------


@dataclass(frozen=True)
class DutyShift:
    """A dated shift of a published rota at one post, with the members holding its seats."""

    college: str
    shift_id: UUID
    rota_id: UUID
    post: str
    place: str
    starts_at: datetime
    ends_at: datetime
    holders: tuple[str, ...]


def check_in_opens(shift: DutyShift, early: timedelta) -> datetime:
    return shift.starts_at - early


def in_check_in_window(shift: DutyShift, at: datetime, early: timedelta) -> bool:
    """From `early` before the start (inclusive) to the end (exclusive)."""
    return check_in_opens(shift, early) <= at < shift.ends_at


def is_late(shift: DutyShift, at: datetime) -> bool:
    return at > shift.starts_at + LATE_TOLERANCE


def no_show_due(starts_at: datetime, grace: timedelta, *, assigned_at: datetime) -> datetime:
    """When a missing sign-in becomes a no-show: the start plus grace, or, for a seat taken
    after the start (a swap, an open shift), the assignment plus grace."""
    return max(starts_at, assigned_at) + grace


def shift_on_duty(shifts: list[DutyShift], now: datetime) -> DutyShift | None:
    """Of the shifts whose check-in window is open, the one under way, else the next."""
    under_way = [s for s in shifts if s.starts_at <= now < s.ends_at]
    chosen = under_way or [s for s in shifts if now < s.starts_at]
    return min(chosen, key=lambda s: (s.starts_at, str(s.shift_id)), default=None)


def _window_text(shift: DutyShift, early: timedelta) -> str:
    opens = check_in_opens(shift, early).isoformat()
    return f"from {opens} to {shift.ends_at.isoformat()}"


def choose_shift(
    open_shifts: list[DutyShift],
    *,
    person_id: str,
    post: str,
    signed_in: frozenset[UUID],
    now: datetime,
    early: timedelta,
) -> DutyShift:
    """The caller's shift at `post` open for check-in now (none named in the request):
    one not yet signed in first, the earliest first."""
    open_now = [s for s in open_shifts if s.post == post and in_check_in_window(s, now, early)]
    mine = [s for s in open_now if person_id in s.holders]
    if mine:
        return min(mine, key=lambda s: (s.shift_id in signed_in, s.starts_at, str(s.shift_id)))
    if open_now:
        raise RuleBroken(
            "not_your_shift",
            field="shift_id",
            message=f"the shift at post {post} now is held by others; {person_id} holds no seat",
        )
    raise RuleBroken(
        "check_in_window",
        field="shift_id",
        message=f"no shift at post {post} is open for check-in now (a shift's check-in window"
        f" runs from {int(early.total_seconds() // 60)} minutes before its start to its end)",
    )


def ensure_code_fits(shift: DutyShift, *, code: SignInCode, person_id: str) -> None:
    """The code is of the shift's desk and the member holds a seat on the shift."""
    if code.post != shift.post or code.college != shift.college:
        raise code_broken(
            "code_other_post",
            f"the code is of post {code.post}; shift {shift.shift_id} is at post {shift.post}",
        )
    if person_id not in shift.holders:
        raise RuleBroken(
            "not_your_shift",
            field="shift_id",
            message=f"{person_id} holds no seat on shift {shift.shift_id}",
        )


@dataclass(frozen=True)
class CheckIn:
    college: str
    check_in_id: UUID
    shift_id: UUID
    person_id: str
    post: str
    checked_in_at: datetime
    late: bool
    code_step: int


def check_in(
    shift: DutyShift,
    *,
    code: SignInCode,
    person_id: str,
    check_in_id: UUID,
    now: datetime,
    early: timedelta,
) -> tuple[CheckIn, DutyCheckedIn]:
    """`person_id` signs in for `shift` with a verified code of the desk."""
    ensure_code_fits(shift, code=code, person_id=person_id)
    if not in_check_in_window(shift, now, early):
        raise RuleBroken(
            "check_in_window",
            field="shift_id",
            message=f"check-in for shift {shift.shift_id} is open {_window_text(shift, early)}",
        )
    record = CheckIn(
        college=shift.college,
        check_in_id=check_in_id,
        shift_id=shift.shift_id,
        person_id=person_id,
        post=shift.post,
        checked_in_at=now,
        late=is_late(shift, now),
        code_step=code.step,
    )
    event = DutyCheckedIn(
        college=shift.college,
        shift_id=shift.shift_id,
        person_id=person_id,
        post=shift.post,
        checked_in_at=now,
        late=record.late,
    )
    return record, event


@dataclass(frozen=True)
class NoShow:
    college: str
    shift_id: UUID
    person_id: str
    post: str
    starts_at: datetime
    recorded_at: datetime


def no_show(shift: DutyShift, *, person_id: str, now: datetime) -> tuple[NoShow, DutyMissed]:
    """Nobody signed in for `person_id`'s seat by the start plus grace."""
    record = NoShow(
        college=shift.college,
        shift_id=shift.shift_id,
        person_id=person_id,
        post=shift.post,
        starts_at=shift.starts_at,
        recorded_at=now,
    )
    event = DutyMissed(
        college=shift.college,
        shift_id=shift.shift_id,
        person_id=person_id,
        post=shift.post,
        starts_at=shift.starts_at,
    )
    return record, event


# --- the handover note (交接) --------------------------------------------------------------


@dataclass(frozen=True)
class HandoverNote:
    """当日工作情况, 遇到的问题, 未完成的工作任务, 重要提示."""

    work_done: str
    problems: str = ""
    unfinished_tasks: str = ""
    important_notes: str = ""


@dataclass(frozen=True)
class Handover:
    college: str
    handover_id: UUID
    shift_id: UUID
    person_id: str
    post: str
    note: HandoverNote
    recorded_at: datetime


def _check_note(note: HandoverNote) -> None:
    if not note.work_done.strip():
        raise RuleBroken(
            "handover_work_done_required",
            field="work_done",
            message="a handover note says what work was done on the shift",
            invalid=True,
        )
    for field in ("work_done", "problems", "unfinished_tasks", "important_notes"):
        if len(getattr(note, field)) > NOTE_MAX_LENGTH:
            raise RuleBroken(
                "too_long",
                field=field,
                message=f"at most {NOTE_MAX_LENGTH} characters",
                invalid=True,
            )


def hand_over(
    shift: DutyShift,
    *,
    person_id: str,
    on_behalf_of_the_office: bool,
    note: HandoverNote,
    handover_id: UUID,
    already_handed_over: bool,
    now: datetime,
) -> tuple[Handover, HandoverRecorded]:
    """A member on `shift` (or an officer, `on_behalf_of_the_office`) closes it with a note
    for the next shift."""
    _check_note(note)
    if person_id not in shift.holders and not on_behalf_of_the_office:
        raise RuleBroken(
            "not_your_shift",
            field="shift_id",
            message=f"{person_id} holds no seat on shift {shift.shift_id}",
        )
    if now < shift.starts_at:
        raise RuleBroken(
            "handover_before_start",
            field="shift_id",
            message=f"shift {shift.shift_id} starts at {shift.starts_at.isoformat()};"
            " its handover is written once it is under way",
        )
    if already_handed_over:
        raise RuleBroken(
            "handover_already_recorded",
            field="shift_id",
            message=f"{person_id} already recorded the handover of shift {shift.shift_id}",
        )
    record = Handover(
        college=shift.college,
        handover_id=handover_id,
        shift_id=shift.shift_id,
        person_id=person_id,
        post=shift.post,
        note=note,
        recorded_at=now,
    )
    event = HandoverRecorded(
        college=shift.college,
        handover_id=handover_id,
        shift_id=shift.shift_id,
        person_id=person_id,
        post=shift.post,
        unfinished_tasks=note.unfinished_tasks,
        recorded_at=now,
    )
    return record, event


# --- the duty log (值班日志) ----------------------------------------------------------------

LogKind = Literal["checked_in", "missed", "handover"]


@dataclass(frozen=True)
class LogEntry:
    """One line of a post's duty log: a sign-in (with its late flag), a no-show, a handover."""

    kind: LogKind
    at: datetime
    shift_id: UUID
    post: str
    person_id: str
    shift_starts_at: datetime
    shift_ends_at: datetime
    late: bool | None = None
    handover: HandoverNote | None = None


@dataclass(frozen=True)
class ShiftHandovers:
    """The handover notes of one shift (one per member who wrote one), oldest first."""

    shift_id: UUID
    post: str
    starts_at: datetime
    ends_at: datetime
    notes: tuple[Handover, ...]


# --- the office screens ----------------------------------------------------------------------


@dataclass(frozen=True)
class DeskPolicy:
    """The desk's settings: the code key and how early a shift's check-in opens."""

    key: CodeKey
    early: timedelta


@dataclass(frozen=True)
class DeskKey:
    """Opens the duty desk page of one post on an office screen; only its hash is kept."""

    college: str
    key_id: UUID
    post: str
    label: str
    issued_by: str
    issued_at: datetime
    revoked_at: datetime | None = None
