"""The demo as `campusflow demo seed` loads it (tools/demo/seed.py, notifications last),
on services started the way `campusflow stack up` starts them: with the SMTP sink and the
SMS double of the stack (tools/stack/doubles.py) and notifications pointed at them and at
its own URL. Then, judged here through the API, the sink and the double: every demo
person's inbox holds what concerns them (admission, pairing, rota, reminder, sanction
warning, grade, credit, the incident alert, the return-to-school notice) once each, worded
in zh-CN; 陈静's meeting reminder and the teacher's incident alert were captured by the
sink; the guardian's notice reached the SMS double; the incident chain was acknowledged by
the link in its alert. Loading the notifications part again changes nothing.

The services here are this module's own processes (not the session's `services`), as
`campusflow stack up` runs them. The demo's ids are fixed (college cs): run it on a stack
where the demo was not loaded yet (a fresh `campusflow stack up --no-services`)."""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.config import SERVICES, service_environment
from tools.demo.notifications import EXPECTED, cast, seed_notifications
from tools.demo.notifications.steps import chains, inbox
from tools.demo.seed import demo_token, seed_demo
from tools.doubles.smtp import stored_messages
from tools.stack import StackEndpoints, free_port, start_service_process, wait_http_ready
from tools.stack.doubles import mail_dir, notifications_environment, start_doubles
from tools.stack.processes import process_record, stop_record, stop_services, tail

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(1500)]

CHINESE = re.compile(r"[\u4e00-\u9fff]")


async def _start(
    stack: StackEndpoints, service_dsns: dict[str, str], state: Path
) -> tuple[dict[str, str], list[Any], dict[str, Any]]:
    doubles = start_doubles(state)
    started: dict[str, tuple[Any, str, Path]] = {}
    for name in SERVICES:
        port = free_port()
        env = service_environment(
            name,
            database_url=service_dsns[name],
            kafka_bootstrap=stack.kafka_bootstrap,
            redis_url=stack.redis_url,
            http_port=port,
            environment="test",
        )
        if name == "notifications":
            env.update(notifications_environment(doubles, port))
        log = state / "logs" / f"{name}.log"
        started[name] = (start_service_process(name, env, log), f"http://127.0.0.1:{port}", log)
    for name, (_, url, log) in started.items():
        try:
            wait_http_ready(f"{url}/readyz", 90)
        except Exception as error:
            raise RuntimeError(f"{name} not ready: {error}\n{tail(log)}") from error
    urls = {name: url for name, (_, url, _) in started.items()}
    return urls, [process for process, _, _ in started.values()], doubles


@pytest.fixture(scope="module")
async def demo(
    stack: StackEndpoints, service_dsns: dict[str, str]
) -> AsyncIterator[tuple[dict[str, str], Path, dict[str, Any]]]:
    state = Path(tempfile.mkdtemp(prefix="campusflow-demo-inboxes-"))
    processes: list[Any] = []
    try:
        urls, processes, doubles = await _start(stack, service_dsns, state)
        await seed_demo(urls, wait_s=120)
        yield urls, state, doubles
    finally:
        for process in processes:
            stop_record(process_record(process))
        stop_services(state)  # the doubles


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
            subjects = [m.subject for m in stored_messages(mail_dir(state))]
            return sum(1 for s in subjects if s == "会议提醒" or cast.INCIDENT_TITLE in s)

        before, mails = await told(), mailed()
        assert set(before) == set(made)
        line = await seed_notifications(client, urls, demo_token)
        assert "acknowledged by cs-t-zhou" in line
        assert await told() == before
        assert mailed() == mails
        assert len(await chains(client, urls, demo_token)) == 2
