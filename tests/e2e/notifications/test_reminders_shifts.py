"""Shift reminders on the real stack, from scheduling's events on Kafka: a seat on a
published rota's shift gets reminders at T-24 h and T-1 h; a changed shift moves them to
the new holder and time; a cancelled seat loses them; a reminder fires at its time into
the person's inbox, once; one whose leads all passed fires at once."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import httpx
import pytest

from shared.events.scheduling import ShiftAssigned, ShiftCancelled, ShiftChanged
from tests.e2e.notifications.remesc_support import (
    DAY,
    H,
    consumed,
    my_reminders,
    notices_of_kind,
    notifications_rows,
    now_s,
    times,
    wait_notice,
)
from tests.e2e.notifications.routing_support import produce, run_id, with_ids
from tests.support.kafka import wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


def _assigned(college: str, shift: str, person: str, starts: datetime) -> ShiftAssigned:
    return ShiftAssigned(
        college=college,
        shift_id=shift,
        rota_id=uuid4(),
        person_id=person,
        post="图书馆值班",
        place="图书馆一楼",
        starts_at=starts,
        ends_at=starts + 2 * H,
    )


async def test_a_seat_is_reminded_moved_with_the_shift_and_cancelled_with_it(
    services: dict[str, str], stack: StackEndpoints, service_dsns: dict[str, str]
) -> None:
    run = run_id()
    college, first, second = f"r{run}", f"p-{run}", f"q-{run}"
    shift = uuid4()
    starts = now_s() + 2 * DAY
    async with httpx.AsyncClient(timeout=10) as client:
        events = with_ids([_assigned(college, str(shift), first, starts)])
        await produce(stack.kafka_bootstrap, events)
        await consumed(stack.kafka_bootstrap, events)
        mine = await my_reminders(client, services, college, first)
        assert times(mine, str(shift)) == [starts - DAY, starts - H]
        assert {i["kind"] for i in mine} == {"shift_reminder"}
        assert mine[0]["fields"]["post"] == "图书馆值班"

        # The same event again (a redelivery under a new id): still two reminders.
        again = with_ids([_assigned(college, str(shift), first, starts)])
        await produce(stack.kafka_bootstrap, again)
        await consumed(stack.kafka_bootstrap, again)
        assert len(await my_reminders(client, services, college, first)) == 2

        # A swap hands the seat over and the shift moves two hours later.
        moved = starts + 2 * H
        change = with_ids(
            [
                ShiftChanged(
                    college=college,
                    shift_id=shift,
                    rota_id=uuid4(),
                    from_person_id=first,
                    to_person_id=second,
                    why="swap",
                    starts_at=moved,
                    ends_at=moved + 2 * H,
                )
            ]
        )
        await produce(stack.kafka_bootstrap, change)
        await consumed(stack.kafka_bootstrap, change)
        assert await my_reminders(client, services, college, first) == []
        theirs = await my_reminders(client, services, college, second)
        assert times(theirs, str(shift)) == [moved - DAY, moved - H]
        assert theirs[0]["fields"]["post"] == "图书馆值班"

        # The seat is cancelled: nothing left, and no timer pending for it.
        cancelled = with_ids(
            [
                ShiftCancelled(
                    college=college,
                    shift_id=shift,
                    rota_id=uuid4(),
                    person_id=second,
                    reason="活动取消",
                    starts_at=moved,
                )
            ]
        )
        await produce(stack.kafka_bootstrap, cancelled)
        await consumed(stack.kafka_bootstrap, cancelled)
        assert await my_reminders(client, services, college, second) == []
    statuses = await notifications_rows(
        service_dsns["notifications"],
        "SELECT r.person_id, r.status, count(d.*) AS pending FROM reminders r"
        " LEFT JOIN due_actions d ON d.kind = 'notifications.reminder'"
        " AND d.key = r.reminder_id::text AND d.fired_at IS NULL"
        " WHERE r.college = $1 GROUP BY r.person_id, r.status ORDER BY r.person_id",
        college,
    )
    assert statuses == [
        {"person_id": first, "status": "cancelled", "pending": 0},
        {"person_id": second, "status": "cancelled", "pending": 0},
    ]


async def test_a_reminder_fires_at_its_time_once_and_a_late_one_at_once(
    services: dict[str, str], stack: StackEndpoints, service_dsns: dict[str, str]
) -> None:
    run = run_id()
    college, person = f"r{run}", f"p-{run}"
    soon, short_notice = uuid4(), uuid4()
    now = now_s()
    soon_starts = now + H + timedelta(seconds=12)  # T-1 h in 12 s; T-24 h long passed
    short_starts = now + timedelta(minutes=30)  # every lead passed: one reminder at once
    async with httpx.AsyncClient(timeout=10) as client:
        events = with_ids(
            [
                _assigned(college, str(soon), person, soon_starts),
                _assigned(college, str(short_notice), person, short_starts),
            ]
        )
        await produce(stack.kafka_bootstrap, events)
        await consumed(stack.kafka_bootstrap, events)
        at_once = await wait_notice(client, services, college, person, "shift_reminder")
        assert at_once["subject_id"] == str(short_notice)
        assert "值班提醒" in at_once["title"] and "图书馆值班" in at_once["body"]

        async def both() -> bool:
            found = await notices_of_kind(client, services, college, person, "shift_reminder")
            return len(found) == 2

        await wait_until(both, timeout_s=40, what="the T-1 h reminder")
    rows = await notifications_rows(
        service_dsns["notifications"],
        "SELECT subject_id, lead_s, fire_at, fired_at, status FROM reminders"
        " WHERE college = $1 ORDER BY fire_at",
        college,
    )
    by_subject = {r["subject_id"]: r for r in rows}
    fired = by_subject[str(soon)]
    assert fired["status"] == "sent" and fired["lead_s"] == 3600
    assert fired["fire_at"] == soon_starts - H
    # Fired on time: the loop polls every second.
    assert timedelta(0) <= fired["fired_at"] - fired["fire_at"] < timedelta(seconds=5)
    messages = await notifications_rows(
        service_dsns["notifications"],
        "SELECT subject_id, count(*) AS n FROM messages WHERE college = $1"
        " AND kind = 'shift_reminder' GROUP BY subject_id ORDER BY subject_id",
        college,
    )
    assert sorted((m["subject_id"], m["n"]) for m in messages) == sorted(
        [(str(soon), 1), (str(short_notice), 1)]
    )
