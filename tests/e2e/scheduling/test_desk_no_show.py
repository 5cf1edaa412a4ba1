"""No-shows by the durable timer on the real stack: at the start plus grace, DutyMissed is
published once for the member who did not sign in (two scheduling replicas polling the
same timers), never for one who did, nor for a seat taken away (forget_sign_in)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.scheduling.service.desk import expect_sign_in, forget_sign_in
from shared.events.scheduling import DutyCheckedIn, DutyMissed
from tests.e2e.scheduling.desk_support import (
    COLLEGE,
    OFFICER,
    ROOT,
    connect,
    current_code,
    fast_desk,
    member,
    new_person,
    new_post,
    publish_shift,
)
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e
__all__ = ["fast_desk"]  # the second replica: its timer loop races the session's


async def test_duty_missed_once_and_only_for_who_did_not_sign_in(
    services: dict[str, str],
    service_dsns: dict[str, str],
    stack: StackEndpoints,
    fast_desk: str,
) -> None:
    base, post = services["scheduling"], new_post("noshow")
    present, absent, moved = new_person(), new_person(), new_person()
    dsn = service_dsns["scheduling"]
    # Starts in a few seconds, no grace: the timers fire then.
    shift = await publish_shift(
        dsn,
        post=post,
        starts_at=datetime.now(UTC) + timedelta(seconds=6),
        holders=(present, absent, moved),
        grace_min=0,
    )
    conn = await connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute(
                "DELETE FROM shift_seats WHERE shift_id = $1 AND person_id = $2",
                shift.shift_id,
                moved,
            )
            await forget_sign_in(conn, college=COLLEGE, shift_id=shift.shift_id, person_id=moved)
        pending = await conn.fetch(
            "SELECT key FROM due_actions WHERE kind = 'desk.no_show' AND key LIKE $1"
            " AND fired_at IS NULL",
            f"{COLLEGE}/{shift.shift_id}/%",
        )
        assert sorted(row["key"] for row in pending) == sorted(
            f"{COLLEGE}/{shift.shift_id}/{person}" for person in (present, absent)
        )
    finally:
        await conn.close()

    async with httpx.AsyncClient(timeout=10) as client:
        code = await current_code(client, base, post)
        signed = await client.post(
            f"{base}{ROOT}/check-ins", json={"code": code}, headers=member(present)
        )
        assert signed.status_code == 201, signed.text
        assert signed.json()["late"] is False

        async def missed() -> bool:
            return bool(
                await events_keyed(
                    stack.kafka_bootstrap, DutyMissed.event_type, str(shift.shift_id)
                )
            )

        await wait_until(missed, timeout_s=40, what="DutyMissed from the no-show timer")
        # The absent member turns up after all: signed in, late; the no-show stays recorded.
        late = await client.post(
            f"{base}{ROOT}/check-ins",
            json={"code": await current_code(client, base, post)},
            headers=member(absent),
        )
        assert late.status_code == 201, late.text
        assert late.json()["late"] is False  # within the minute's tolerance of the start
        await asyncio.sleep(3)  # two replicas poll every second: a second firing shows by now
        events = await events_keyed(
            stack.kafka_bootstrap, DutyMissed.event_type, str(shift.shift_id)
        )
        assert [(e["person_id"], e["post"]) for e in events] == [(absent, post)]
        assert events[0]["starts_at"].startswith(shift.starts_at.strftime("%Y-%m-%dT%H:%M:%S"))

        log = await client.get(f"{base}{ROOT}/posts/{post}/log", headers=OFFICER)
        assert log.status_code == 200, log.text
        assert sorted((e["person_id"], e["kind"]) for e in log.json()["items"]) == sorted(
            [(present, "checked_in"), (absent, "missed"), (absent, "checked_in")]
        )
        # The desk page shows who signed in and who was missed.
        page = await client.get(f"{base}{ROOT}/desk/{post}", headers=OFFICER)
        assert page.status_code == 200
        assert "未签到（缺勤）" not in page.text  # the absent member signed in after all
        assert page.text.count("已签到") == 2

    checked_in = await events_keyed(
        stack.kafka_bootstrap, DutyCheckedIn.event_type, str(shift.shift_id)
    )
    assert sorted(e["person_id"] for e in checked_in) == sorted([present, absent])


async def test_a_no_show_is_shown_and_published_once_even_if_timed_again(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    base, post = services["scheduling"], new_post("missing")
    absent = new_person()
    # Started ten minutes ago; the seat was given now: grace runs from the assignment.
    shift = await publish_shift(
        service_dsns["scheduling"],
        post=post,
        starts_at=datetime.now(UTC) - timedelta(minutes=10),
        holders=(absent,),
        grace_min=0,
    )

    async def missed() -> bool:
        return bool(
            await events_keyed(stack.kafka_bootstrap, DutyMissed.event_type, str(shift.shift_id))
        )

    await wait_until(missed, timeout_s=40, what="DutyMissed")
    async with httpx.AsyncClient(timeout=10) as client:
        page = await client.get(f"{base}{ROOT}/desk/{post}", headers=OFFICER)
        assert "未签到（缺勤）" in page.text

    # The seat given again (a repair re-publishing it): a new timer fires, but the no-show
    # is recorded once, so DutyMissed is not published twice.
    conn = await connect(service_dsns["scheduling"])
    try:
        async with conn.transaction():
            await expect_sign_in(
                conn,
                college=COLLEGE,
                shift_id=shift.shift_id,
                person_id=absent,
                starts_at=shift.starts_at,
                grace_min=0,
            )

        async def fired_again() -> bool:
            pending = await conn.fetchval(
                "SELECT count(*) FROM due_actions WHERE kind = 'desk.no_show' AND key = $1"
                " AND fired_at IS NULL",
                f"{COLLEGE}/{shift.shift_id}/{absent}",
            )
            return bool(pending == 0)

        await wait_until(fired_again, timeout_s=30, what="the second timer to fire")
        fired = await conn.fetchval(
            "SELECT count(*) FROM due_actions WHERE kind = 'desk.no_show' AND key = $1"
            " AND fired_at IS NOT NULL AND last_error IS NULL",
            f"{COLLEGE}/{shift.shift_id}/{absent}",
        )
        assert fired == 2
    finally:
        await conn.close()
    await asyncio.sleep(2)  # the relay publishes within a moment of the commit
    events = await events_keyed(stack.kafka_bootstrap, DutyMissed.event_type, str(shift.shift_id))
    assert [e["person_id"] for e in events] == [absent]


async def test_when_the_no_show_timer_is_due(service_dsns: dict[str, str]) -> None:
    """Start plus grace; for a seat given after the start, its assignment plus grace; for a
    shift already over, no timer at all."""
    dsn = service_dsns["scheduling"]
    now = datetime.now(UTC)
    ahead, under_way, over = new_person(), new_person(), new_person()
    future = await publish_shift(
        dsn, post=new_post("due"), starts_at=now + timedelta(days=1), holders=(ahead,), grace_min=10
    )
    started = await publish_shift(
        dsn,
        post=new_post("due"),
        starts_at=now - timedelta(hours=1),
        holders=(under_way,),
        grace_min=10,
    )
    ended = await publish_shift(
        dsn, post=new_post("due"), starts_at=now - timedelta(hours=5), holders=(over,), grace_min=10
    )
    conn = await connect(dsn)
    try:

        async def due_at(shift_id: object, person: str) -> datetime | None:
            found: datetime | None = await conn.fetchval(
                "SELECT due_at FROM due_actions WHERE kind = 'desk.no_show' AND key = $1"
                " AND fired_at IS NULL",
                f"{COLLEGE}/{shift_id}/{person}",
            )
            return found

        assert await due_at(future.shift_id, ahead) == future.starts_at + timedelta(minutes=10)
        given = await due_at(started.shift_id, under_way)
        assert given is not None
        assert abs(given - (now + timedelta(minutes=10))) < timedelta(seconds=30)
        assert await due_at(ended.shift_id, over) is None
    finally:
        await conn.close()
