"""School contacts on the real stack: a college admin puts two of a school's contacts in
the directory (one scoped by the school's id and by its name as its timetables give it,
told once; the other by the id alone). The first has an email address and wants lessons
at once; the second keeps the default, a school's lessons waiting for the daily digest (a
timetable is one message a lesson). Scheduling's LessonAssigned and recruitment's
PairingCreated, produced onto Kafka as their outbox would, reach the first one's inbox
and mailbox (in zh-CN), the pairing the second's inbox and the lesson the second's digest,
beside the volunteer's own notice, once each through a replay; a school without a
contact tells nobody else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import pytest

from shared.events import recruitment as rc
from shared.events import scheduling as sc
from tests.e2e.notifications.routing_support import (
    admin,
    inbox,
    kinds_of,
    produce,
    routed,
    run_id,
    with_ids,
)
from tests.support.auth import bearer
from tests.support.kafka import wait_until
from tests.support.services_state import ServicesState
from tools.doubles.smtp import stored_messages
from tools.stack import StackEndpoints
from tools.stack.doubles import mail_dir

pytestmark = pytest.mark.e2e

COLLEGE = "cs"
T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


async def test_a_schools_contact_hears_of_lessons_and_pairings_at_their_school(
    services: dict[str, str], stack: StackEndpoints, services_state: ServicesState
) -> None:
    url, run = services["notifications"], run_id()
    contact, volunteer, other_volunteer = f"sc-{run}", f"v-{run}", f"v2-{run}"
    school_id, school_name = f"school-{run}", f"岳西县希望小学{run}"
    address = f"{contact}@school.example.cn"
    async with httpx.AsyncClient(timeout=10) as client:
        put = await client.put(
            f"{url}/api/notifications/colleges/{COLLEGE}/directory/school_contact/{contact}",
            json={
                "name": "王老师",
                "scopes": [school_id, school_name],
                "contact_points": {"email": address},
            },
            headers=admin(COLLEGE),
        )
        assert put.status_code == 200, put.text
        by_id = await client.put(
            f"{url}/api/notifications/colleges/{COLLEGE}/directory/school_contact/{contact}-id",
            json={"name": "李校长", "scopes": [school_id]},
            headers=admin(COLLEGE),
        )
        assert by_id.status_code == 200, by_id.text
        # 王老师 wants each lesson by email at once; 李校长 keeps the default: a school's
        # lessons wait for the daily digest (a timetable is one message a lesson).
        chosen = await client.put(
            f"{url}/api/notifications/me/preferences",
            json={
                "categories": [
                    {
                        "category": "teaching",
                        "channels": ["email", "inapp"],
                        "enabled": True,
                        "quiet_hours": "hold",
                        "digest": False,
                    }
                ]
            },
            headers=bearer(contact, "student", COLLEGE),
        )
        assert chosen.status_code == 200, chosen.text

        lesson = sc.LessonAssigned(
            college=COLLEGE,
            lesson_id=uuid4(),
            timetable_id=uuid4(),
            volunteer_id=volunteer,
            school=school_name,
            school_id=school_id,
            class_name="三年级一班",
            subject="英语",
            room="教学楼 201",
            starts_at=T0,
            ends_at=T0 + timedelta(minutes=45),
        )
        pairing = rc.PairingCreated(
            college=COLLEGE,
            pairing_id=uuid4(),
            beneficiary_id=uuid4(),
            volunteer_id=volunteer,
            school_id=school_id,
            reasons=["数学辅导"],
            created_at=T0,
        )
        elsewhere = sc.LessonAssigned(
            college=COLLEGE,
            lesson_id=uuid4(),
            timetable_id=uuid4(),
            volunteer_id=other_volunteer,
            school=f"另一所小学{run}",
            class_name="四年级二班",
            subject="音乐",
            starts_at=T0,
            ends_at=T0 + timedelta(minutes=45),
        )
        events = with_ids([lesson, pairing, elsewhere])
        for _ in range(2):  # the second time a replay: nobody is told twice
            await produce(stack.kafka_bootstrap, events)
            await routed(stack.kafka_bootstrap, events)

        assert await kinds_of(client, url, COLLEGE, contact) == [
            "school_lesson_scheduled",
            "school_pairing_created",
        ]
        assert await kinds_of(client, url, COLLEGE, f"{contact}-id") == ["school_pairing_created"]
        messages = await client.get(
            f"{url}/api/notifications/me/messages",
            params={"limit": 50},
            headers=bearer(f"{contact}-id", "student", COLLEGE),
        )
        assert messages.status_code == 200, messages.text
        assert sorted((m["kind"], m["status"]) for m in messages.json()["items"]) == [
            ("school_lesson_scheduled", "digested"),
            ("school_pairing_created", "delivered"),
        ]
        notices = {n["kind"]: n for n in await inbox(client, url, COLLEGE, contact)}
        taught = notices["school_lesson_scheduled"]
        assert "三年级一班" in taught["title"]
        assert volunteer in taught["body"] and "英语" in taught["body"]
        assert taught["subject_id"] == str(lesson.lesson_id)
        assert "数学辅导" in notices["school_pairing_created"]["body"]
        # The volunteers keep their own notices.
        assert await kinds_of(client, url, COLLEGE, volunteer) == [
            "lesson_assigned",
            "pairing_created",
        ]
        assert await kinds_of(client, url, COLLEGE, other_volunteer) == ["lesson_assigned"]

    def mailed() -> list[str]:
        return sorted(
            str(m.message["X-Campusflow-Kind"])
            for m in stored_messages(mail_dir(services_state.directory))
            if m.message["To"] == address
        )

    async def both_mailed() -> bool:
        return len(mailed()) >= 2

    await wait_until(both_mailed, timeout_s=60, what="the school contact's two emails")
    assert mailed() == ["school_lesson_scheduled", "school_pairing_created"]
