"""A reminder whose timer fires while its subject is being cancelled, on the real
database: the firing holds the reminder's row and marks it sent; the cancellation read it
as pending before, waits for the row, and must leave it sent (it went out)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import asyncpg
import pytest

from services.notifications.domain.reminders import ReminderStatus, SubjectKind
from services.notifications.repository import reminders as rows
from services.notifications.service import reminders
from tests.e2e.notifications.routing_support import run_id

pytestmark = pytest.mark.e2e

DAY = timedelta(hours=24)


async def test_a_reminder_fired_during_the_cancellation_stays_sent(
    service_dsns: dict[str, str],
) -> None:
    dsn, run = service_dsns["notifications"], run_id()
    college, task, doer = f"rf{run}", str(uuid4()), f"d-{run}"
    now = datetime.now(UTC).replace(microsecond=0)

    async def connect() -> asyncpg.Connection:
        return await asyncpg.connect(dsn, server_settings={"search_path": "notifications"})

    firing, cancelling = await connect(), await connect()
    try:
        async with firing.transaction():
            await reminders.describe_subject(
                firing,
                college=college,
                subject_kind=SubjectKind.TASK,
                subject_id=task,
                starts_at=now + 2 * DAY,
                fields={"title": "义务助教 · 活动宣传", "due_at": now + 2 * DAY},
                holders=[doer],
                now=now,
                leads=(DAY,),
            )
        [planned] = await rows.reminders_of_subject(
            firing, college=college, subject_kind=SubjectKind.TASK, subject_id=task
        )
        assert planned.status == ReminderStatus.PENDING

        held = firing.transaction()
        await held.start()
        # What fire_reminder does to the row: takes it, then marks it sent.
        assert await rows.reminder(firing, reminder_id=planned.reminder_id) is not None
        await rows.set_status(
            firing,
            reminder_id=planned.reminder_id,
            status=ReminderStatus.SENT,
            now=now,
            fired=True,
        )

        async def cancel() -> None:
            async with cancelling.transaction():
                await reminders.cancel_subject(
                    cancelling,
                    college=college,
                    subject_kind=SubjectKind.TASK,
                    subject_id=task,
                    now=now,
                )

        waiting = asyncio.create_task(cancel())
        await asyncio.sleep(1.0)
        assert not waiting.done(), "the cancellation did not wait for the firing's row"
        await held.commit()
        await asyncio.wait_for(waiting, timeout=10)

        [after] = await rows.reminders_of_subject(
            firing, college=college, subject_kind=SubjectKind.TASK, subject_id=task
        )
        assert after.status == ReminderStatus.SENT
        described = await rows.subject(
            firing, college=college, subject_kind=SubjectKind.TASK, subject_id=task
        )
        assert described is not None and described.cancelled
    finally:
        await firing.close()
        await cancelling.close()
