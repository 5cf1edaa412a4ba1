"""Duty desk: sign-in (签到), no-shows and handover (交接); each use case runs in the one
transaction it is handed.

No-shows are durable timers (shared.timers): publishing a rota, a swap or an open shift
calls `expect_sign_in` for each seat it gives (and `forget_sign_in` for each it takes
away); at the start plus grace the NO_SHOW handler records the no-show and emits
`DutyMissed` unless the member signed in. Signing in cancels the timer first, and the
handler looks for the sign-in too, so a member who signed in is never missed; the timer
row is fired once, whatever the restarts and replicas.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

import asyncpg

from services.scheduling.domain.desk import (
    CheckIn,
    DeskKey,
    DeskPolicy,
    DutyShift,
    Handover,
    HandoverNote,
    LogEntry,
    ShiftHandovers,
    check_in,
    choose_shift,
    ensure_code_fits,
    hand_over,
    no_show,
    no_show_due,
    shift_on_duty,
)
from services.scheduling.domain.desk_code import verify_code
from services.scheduling.domain.rules import NotFound
from services.scheduling.repository import desk as repository
from services.scheduling.service import SOURCE
from shared.messaging.outbox import append_to_outbox
from shared.paging import Paging
from shared.timers import DueAction, DueActionHandler, cancel, schedule

# The durable timer of one member's seat on one shift: a no-show unless signed in.
NO_SHOW = "desk.no_show"


def no_show_key(college: str, shift_id: UUID, person_id: str) -> str:
    return f"{college}/{shift_id}/{person_id}"


# --- the hooks rotas call when seats are given and taken ----------------------------------


async def expect_sign_in(
    conn: asyncpg.Connection,
    *,
    college: str,
    shift_id: UUID,
    person_id: str,
    starts_at: datetime,
    grace_min: int,
) -> None:
    """Schedule the no-show timer of `person_id`'s seat: due at the start plus grace (a seat
    given after the start: at the assignment plus grace). A seat given on a shift that is
    over already expects nobody. Scheduling again moves the pending timer."""
    now, ends_at = await repository.now_and_shift_end(conn, shift_id=shift_id)
    key = no_show_key(college, shift_id, person_id)
    if ends_at is not None and ends_at <= now:
        await cancel(conn, kind=NO_SHOW, key=key)
        return
    await schedule(
        conn,
        kind=NO_SHOW,
        key=key,
        due_at=no_show_due(starts_at, timedelta(minutes=grace_min), assigned_at=now),
        payload={"college": college, "shift_id": str(shift_id), "person_id": person_id},
    )


async def forget_sign_in(
    conn: asyncpg.Connection, *, college: str, shift_id: UUID, person_id: str
) -> None:
    """The seat was taken from `person_id`: no no-show for it."""
    await cancel(conn, kind=NO_SHOW, key=no_show_key(college, shift_id, person_id))


async def missed_unless_signed_in(
    conn: asyncpg.Connection, action: DueAction, now: datetime
) -> None:
    """The NO_SHOW timer: record the no-show and emit DutyMissed, unless the member signed
    in, or no longer holds the seat, or the shift is gone or its rota unpublished."""
    college = action.payload["college"]
    shift_id = UUID(action.payload["shift_id"])
    person_id = action.payload["person_id"]
    shift = await repository.get_shift(conn, college=college, shift_id=shift_id)
    if shift is None or person_id not in shift.holders:
        return
    if await repository.check_in_of(conn, shift_id=shift_id, person_id=person_id) is not None:
        return
    record, event = no_show(shift, person_id=person_id, now=now)
    if await repository.insert_no_show(conn, record):
        await append_to_outbox(conn, [event], source=SOURCE, now=now)


DESK_DUE_ACTIONS: Mapping[str, DueActionHandler] = {NO_SHOW: missed_unless_signed_in}


# --- signing in and handing over --------------------------------------------------------


async def sign_in(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    code: str,
    shift_id: UUID | None,
    policy: DeskPolicy,
    now: datetime,
) -> tuple[CheckIn, bool]:
    """Sign `person_id` in with the code the desk shows; (the check-in, whether it is new).
    Signing in again for the same shift answers the first check-in and emits nothing."""
    verified = verify_code(policy.key, code, college=college, now=now)
    if shift_id is not None:
        shift = await _shift(conn, college=college, shift_id=shift_id)
    else:
        candidates = await repository.open_shifts(
            conn, college=college, post=verified.post, now=now, early=policy.early
        )
        signed_in = await repository.signed_in_shifts(
            conn, shift_ids=[s.shift_id for s in candidates], person_id=person_id
        )
        shift = choose_shift(
            candidates,
            person_id=person_id,
            post=verified.post,
            signed_in=signed_in,
            now=now,
            early=policy.early,
        )
    ensure_code_fits(shift, code=verified, person_id=person_id)
    earlier = await repository.check_in_of(conn, shift_id=shift.shift_id, person_id=person_id)
    if earlier is not None:
        return earlier, False
    record, event = check_in(
        shift, code=verified, person_id=person_id, check_in_id=uuid4(), now=now, early=policy.early
    )
    # The timer first: a timer firing now holds its row; waiting for it keeps one order.
    await cancel(conn, kind=NO_SHOW, key=no_show_key(college, shift.shift_id, person_id))
    if not await repository.insert_check_in(conn, record):
        raced = await repository.check_in_of(conn, shift_id=shift.shift_id, person_id=person_id)
        assert raced is not None  # the conflicting row is committed: ON CONFLICT saw it
        return raced, False
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return record, True


async def record_handover(
    conn: asyncpg.Connection,
    *,
    college: str,
    shift_id: UUID,
    person_id: str,
    on_behalf_of_the_office: bool,
    note: HandoverNote,
    now: datetime,
) -> Handover:
    shift = await _shift(conn, college=college, shift_id=shift_id)
    record, event = hand_over(
        shift,
        person_id=person_id,
        on_behalf_of_the_office=on_behalf_of_the_office,
        note=note,
        handover_id=uuid4(),
        already_handed_over=await repository.handover_exists(
            conn, shift_id=shift_id, person_id=person_id
        ),
        now=now,
    )
    await repository.insert_handover(conn, record)
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return record


async def _shift(conn: asyncpg.Connection, *, college: str, shift_id: UUID) -> DutyShift:
    shift = await repository.get_shift(conn, college=college, shift_id=shift_id)
    if shift is None:
        raise NotFound("shift of a published rota", shift_id)
    return shift


# --- what the desk shows and the duty log ------------------------------------------------


@dataclass(frozen=True)
class DeskScreen:
    """The post's shift on duty (under way, else the next whose check-in is open), who
    signed in and who was missed, and the last handover before it."""

    post: str
    shift: DutyShift | None
    check_ins: tuple[CheckIn, ...]
    missed: tuple[str, ...]
    handover: ShiftHandovers | None


async def desk_screen(
    conn: asyncpg.Connection, *, college: str, post: str, now: datetime, early: timedelta
) -> DeskScreen:
    shift = shift_on_duty(
        await repository.open_shifts(conn, college=college, post=post, now=now, early=early), now
    )
    check_ins: list[CheckIn] = []
    missed: list[str] = []
    if shift is not None:
        check_ins = await repository.check_ins_of_shift(conn, shift_id=shift.shift_id)
        missed = await repository.no_shows_of_shift(conn, shift_id=shift.shift_id)
    handover = await repository.latest_handovers(
        conn, college=college, post=post, started_before=shift.starts_at if shift else now
    )
    return DeskScreen(post, shift, tuple(check_ins), tuple(missed), handover)


async def latest_handover(
    conn: asyncpg.Connection, *, college: str, post: str, now: datetime
) -> ShiftHandovers:
    """The handover notes of the post's latest shift (started by `now`) that has any."""
    found = await repository.latest_handovers(conn, college=college, post=post, started_before=now)
    if found is None:
        raise NotFound("handover at post", post)
    return found


async def duty_log(
    conn: asyncpg.Connection, *, college: str, post: str, paging: Paging
) -> list[LogEntry]:
    return await repository.duty_log(conn, college=college, post=post, paging=paging)


# --- desk keys: what opens a post's desk page on an office screen -------------------------


def desk_key_hash(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


async def issue_desk_key(
    conn: asyncpg.Connection, *, college: str, post: str, label: str, issued_by: str, now: datetime
) -> tuple[DeskKey, str]:
    """A new key for the post's screen: (the key, its secret text, shown only now)."""
    text = secrets.token_urlsafe(24)
    key = DeskKey(college, uuid4(), post, label, issued_by, now)
    await repository.insert_desk_key(conn, key, key_hash=desk_key_hash(text))
    return key, text


async def revoke_desk_key(
    conn: asyncpg.Connection, *, college: str, post: str, key_id: UUID, now: datetime
) -> None:
    if not await repository.revoke_desk_key(
        conn, college=college, post=post, key_id=key_id, now=now
    ):
        raise NotFound("desk key", key_id)


async def desk_keys_of(conn: asyncpg.Connection, *, college: str, post: str) -> list[DeskKey]:
    return await repository.desk_keys(conn, college=college, post=post)


async def desk_key_opens(conn: asyncpg.Connection, *, college: str, post: str, key: str) -> bool:
    return await repository.desk_key_opens(
        conn, college=college, post=post, key_hash=desk_key_hash(key)
    )
