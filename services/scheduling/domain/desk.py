"""The duty desk (值班签到 / 交接): the rotating sign-in code, the check-in window, late
arrivals and no-shows, the handover note.

The sign-in code. The office screen of a post shows a QR code whose text is

    CF1.<college>.<post, base64url>.<step>.<signature, base64url>

`step` is the rotation step (seconds since the epoch // rotation seconds): the code
changes every rotation period. The signature is HMAC-SHA256 under the service's secret
over the college, the post, the step and the rotation period, truncated to 128 bits
(RFC 2104 allows truncation to half the hash). A code verifies for one step either side
of the verifier's own (clock skew between the screen and the replica, and a code scanned
just as it rotated), so a code lives at most three rotation periods.

The check-in window of a shift runs from `early` before its start to its end. A sign-in
after the start plus `LATE_TOLERANCE` (one minute: the time to scan the code on arrival)
is late. Nobody signed in by the start plus grace: a no-show (`DutyMissed`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import UUID

from services.scheduling.domain.rules import RuleBroken
from shared.events.scheduling import DutyCheckedIn, DutyMissed, HandoverRecorded

CODE_VERSION = "CF1"
SIGNATURE_BYTES = 16
CODE_MAX_LENGTH = 600
# A code verifies for this many rotation steps either side of the verifier's own.
CODE_SKEW_STEPS = 1
# Signed in within this long after the start: on time (the time to scan on arrival).
LATE_TOLERANCE = timedelta(minutes=1)
NOTE_MAX_LENGTH = 4000

_COLLEGE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_STEP = re.compile(r"^[0-9]{1,15}$")
_B64 = re.compile(r"^[A-Za-z0-9_-]+$")


# --- the rotating sign-in code ------------------------------------------------------------


@dataclass(frozen=True)
class CodeKey:
    """What signs and verifies the codes: the secret and the rotation period."""

    secret: bytes
    rotation_s: int

    def __post_init__(self) -> None:
        if not self.secret:
            raise ValueError("the desk code secret must not be empty")
        if self.rotation_s < 1:
            raise ValueError("the rotation period must be at least one second")

    def step_at(self, at: datetime) -> int:
        return int(at.timestamp()) // self.rotation_s

    def step_starts(self, step: int) -> datetime:
        return datetime.fromtimestamp(step * self.rotation_s, UTC)


@dataclass(frozen=True)
class SignInCode:
    """A code of one post of one college for one rotation step."""

    college: str
    post: str
    step: int
    text: str
    # When the screen shows the next code (the end of this step).
    rotates_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not _B64.match(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: CodeKey, college: str, post: str, step: int) -> bytes:
    message = "\n".join((CODE_VERSION, college, post, str(step), str(key.rotation_s)))
    digest = hmac.new(key.secret, message.encode("utf-8"), hashlib.sha256).digest()
    return digest[:SIGNATURE_BYTES]


def issue_code(key: CodeKey, *, college: str, post: str, now: datetime) -> SignInCode:
    """The code the screen of `post` shows at `now`."""
    step = key.step_at(now)
    post_text = _b64(post.encode("utf-8"))
    signature = _b64(_signature(key, college, post, step))
    return SignInCode(
        college=college,
        post=post,
        step=step,
        text=f"{CODE_VERSION}.{college}.{post_text}.{step}.{signature}",
        rotates_at=key.step_starts(step + 1),
    )


def _code_broken(rule: str, message: str) -> RuleBroken:
    return RuleBroken(rule, field="code", message=message, invalid=True)


def _parse(text: str) -> tuple[str, str, int, bytes]:
    malformed = _code_broken(
        "code_malformed", "the code is not a duty desk sign-in code; scan the desk's QR code"
    )
    if len(text) > CODE_MAX_LENGTH:
        raise malformed
    parts = text.split(".")
    if len(parts) != 5 or parts[0] != CODE_VERSION:
        raise malformed
    _, college, post_text, step_text, signature_text = parts
    if not _COLLEGE.match(college) or not _STEP.match(step_text):
        raise malformed
    try:
        post = _unb64(post_text).decode("utf-8")
        signature = _unb64(signature_text)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise malformed from error
    if not post or len(signature) != SIGNATURE_BYTES:
        raise malformed
    return college, post, int(step_text), signature


def verify_code(key: CodeKey, text: str, *, college: str, now: datetime) -> SignInCode:
    """The code, if it is well formed, signed with `key`, of `college` and current.

    Refusals name the field `code`: malformed, forged (the signature does not verify),
    of another college, expired, not yet valid.
    """
    code_college, post, step, signature = _parse(text)
    if not hmac.compare_digest(signature, _signature(key, code_college, post, step)):
        raise _code_broken(
            "code_forged", "the code's signature does not verify: it was not issued by this desk"
        )
    if code_college != college:
        raise _code_broken(
            "code_other_college", f"the code is of college {code_college}, not {college}"
        )
    current = key.step_at(now)
    if step < current - CODE_SKEW_STEPS:
        raise _code_broken(
            "code_expired",
            f"the code expired at {key.step_starts(step + 1 + CODE_SKEW_STEPS).isoformat()};"
            " scan the code the desk shows now",
        )
    if step > current + CODE_SKEW_STEPS:
        raise _code_broken("code_not_yet_valid", "the code is not valid yet")
    return SignInCode(
        college=code_college,
        post=post,
        step=step,
        text=text,
        rotates_at=key.step_starts(step + 1),
    )


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
        raise _code_broken(
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
