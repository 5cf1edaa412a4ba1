"""The demo as `campusflow demo seed` loads it (tools/demo/seed.py, notifications last),
on services started the way `campusflow stack up` starts them: with the SMTP sink and the
SMS double of the stack (tools/stack/doubles.py) and notifications pointed at them and at
its own URL. Then, judged here through the API, the sink and the double: every demo
person's inbox holds what concerns them (admission, pairing, rota, reminder, sanction
warning, grade, credit, the incident alert, the return-to-school notice) once each, worded
in zh-CN; 陈静's meeting reminder and the teacher's incident alert were captured by the
sink; the guardian's notice reached the SMS double; the incident chain was acknowledged by
the link in its alert. Loading the notifications part again changes nothing.

The services are the session's (tests/e2e/conftest.py), run as `campusflow stack up` runs
them, with the session's sink and double. The demo's ids are fixed (college cs): run it on
a stack where the demo was not loaded yet (a fresh `campusflow stack up --no-services`)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.kafka import wait_until
from tests.support.services_state import ServicesState
from tools.demo.notifications import EXPECTED, cast, seed_notifications
from tools.demo.notifications.steps import chains, inbox
from tools.demo.seed import demo_token, seed_demo
from tools.doubles.smtp import stored_messages
from tools.stack.doubles import mail_dir

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(1500)]

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
async def demo(
    services: dict[str, str], services_state: ServicesState
) -> tuple[dict[str, str], Path, dict[str, Any]]:
    await seed_demo(services, wait_s=120)
    return services, services_state.directory, services_state.doubles


async def test_every_demo_person_hears_what_concerns_them_once_in_zh_cn(
    demo: tuple[dict[str, str], Path, dict[str, Any]],
) -> None:
    urls, _, _ = demo
    async with httpx.AsyncClient(timeout=30) as client:
        for person, (role, kinds) in EXPECTED.items():
            items = await inbox(client, urls, demo_token(person, role, person.split("-")[0]))
            held = Counter(n["kind"] for n in items)
            assert set(kinds) <= set(held), (person, sorted(held))
            # Once each: no two notices of one kind about one subject.
            per_subject = Counter((n["kind"], n["subject_id"]) for n in items)
            assert max(per_subject.values()) == 1, (person, per_subject.most_common(3))
            for notice in items:
                assert CHINESE.search(notice["title"]), (person, notice["kind"], notice["title"])
        guardian = await inbox(client, urls, demo_token(cast.GUARDIAN, "student", cast.COLLEGE))
        assert [n["title"] for n in guardian] == ["返校通知书"]
        assert guardian[0]["priority"] == "critical"


async def test_the_sink_captured_the_email_and_the_double_the_guardians_sms(
    demo: tuple[dict[str, str], Path, dict[str, Any]],
) -> None:
    urls, state, doubles = demo
    mail = stored_messages(mail_dir(state))
    to_reader = [m for m in mail if cast.MAIL_ADDRESS in str(m.message["To"])]
    assert "会议提醒" in [m.subject for m in to_reader]
    # She chose email for meetings and reminders only: nothing else was mailed to her.
    assert {m.subject for m in to_reader} <= {"会议提醒", "会议通知"}
    reminder = next(m for m in to_reader if m.subject == "会议提醒").message
    body = reminder.get_body(preferencelist=("plain",))
    assert body is not None and cast.MEETING_TITLE in body.get_content()
    to_teacher = [m for m in mail if cast.TEACHER_MAIL in str(m.message["To"])]
    assert len(to_teacher) == 1 and cast.INCIDENT_TITLE in to_teacher[0].subject
    # The alert's link points at the notifications service itself.
    alert = to_teacher[0].message.get_body(preferencelist=("plain",))
    assert alert is not None and f"{urls['notifications']}/api/notifications/ack/" in (
        alert.get_content()
    )
    async with httpx.AsyncClient(timeout=10) as client:
        sent = (await client.get(f"{doubles['sms']['url']}/_double/messages")).json()
    phones = [m["phone"] for m in sent["messages"]]
    assert any(phone.endswith("13800000103") for phone in phones), phones


async def test_the_incident_chain_was_acknowledged_by_its_link_and_a_second_load_changes_nothing(
    demo: tuple[dict[str, str], Path, dict[str, Any]],
) -> None:
    urls, state, _ = demo
    async with httpx.AsyncClient(timeout=30) as client:
        found = [
            c
            for c in await chains(client, urls, demo_token)
            if c["chain"] == "incident" and cast.INCIDENT_TITLE in c["title"]
        ]
        assert len(found) == 1
        chain = found[0]
        assert (chain["status"], chain["closed_by"]) == ("acknowledged", cast.TEACHER)
        assert [(a["person_id"], a["via"]) for a in chain["acknowledgements"]] == [
            (cast.TEACHER, "link")
        ]
        dropouts = [c for c in await chains(client, urls, demo_token) if c["chain"] == "dropout"]
        assert len(dropouts) == 1 and dropouts[0]["status"] == "open"

        made = ("incident_alert", "return_to_school_notice", "meeting_reminder")

        async def told() -> Counter[str]:
            seen: Counter[str] = Counter()
            for person, (role, _) in EXPECTED.items():
                items = await inbox(client, urls, demo_token(person, role, person.split("-")[0]))
                seen.update(n["kind"] for n in items if n["kind"] in made)
            return seen

        def mailed() -> int:
            ours = (cast.MAIL_ADDRESS, cast.TEACHER_MAIL)
            return sum(
                1
                for m in stored_messages(mail_dir(state))
                if any(to in str(m.message["To"]) for to in ours)
                and (m.subject == "会议提醒" or cast.INCIDENT_TITLE in m.subject)
            )

        before, mails = await told(), mailed()
        chains_before = len(await chains(client, urls, demo_token))
        assert set(before) == set(made)
        line = await seed_notifications(client, urls, demo_token)
        assert "acknowledged by cs-t-zhou" in line
        assert await told() == before
        assert mailed() == mails
        assert len(await chains(client, urls, demo_token)) == chains_before


async def test_the_blood_drives_task_holders_are_reminded_a_day_before_their_deadlines(
    demo: tuple[dict[str, str], Path, dict[str, Any]],
) -> None:
    urls, _, _ = demo
    async with httpx.AsyncClient(timeout=30) as client:

        async def tasks_of(person: str) -> list[dict[str, Any]]:
            response = await client.get(
                f"{urls['notifications']}/api/notifications/me/reminders",
                params={"limit": 200},
                headers=demo_token(person, "student", "cs"),
            )
            assert response.status_code == 200, response.text
            return [r for r in response.json()["items"] if r["kind"] == "task_reminder"]

        async def all_planned() -> bool:
            return len(await tasks_of("cs-2024002")) >= 1

        await wait_until(all_planned, timeout_s=60, what="the blood drive's task reminders")
        contact = await tasks_of("cs-2024002")
        assert ["联系医院或血站" in r["fields"]["title"] for r in contact] == [True]
        assert contact[0]["lead_s"] == 24 * 3600
        assert len(await tasks_of("cs-2025003")) == 2  # publicity, and the summary
