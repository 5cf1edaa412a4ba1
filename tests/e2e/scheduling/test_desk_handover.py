"""Handover (交接) on the real stack: the member on a shift closes it with a note, the next
shift's holders see it (API and desk page), HandoverRecorded is on Kafka keyed by shift;
refusals name the field and rule; the duty log pages through it all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from shared.events.scheduling import HandoverRecorded
from tests.e2e.scheduling.desk_support import (
    OFFICER,
    ROOT,
    current_code,
    issue_desk_key,
    member,
    new_person,
    new_post,
    publish_shift,
)
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e
NOTE = {
    "work_done": "接待来访同学三人，整理了三月的值班记录",
    "problems": "打印机卡纸，已报修",
    "unfinished_tasks": "迎新活动报名表还差两个班未收齐",
    "important_notes": "值班结束后务必切断电脑、打印机、饮水机的电源",
}


async def test_the_next_shift_sees_the_handover(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    base, post = services["scheduling"], new_post("handover")
    day, evening, stranger = new_person(), new_person(), new_person()
    now = datetime.now(UTC)
    dsn = service_dsns["scheduling"]
    morning = await publish_shift(
        dsn, post=post, starts_at=now - timedelta(hours=4, minutes=10), holders=(day,)
    )
    afternoon = await publish_shift(
        dsn, post=post, starts_at=now - timedelta(minutes=5), holders=(evening,)
    )
    tomorrow = await publish_shift(
        dsn, post=post, starts_at=now + timedelta(days=1), holders=(day,)
    )
    handover = f"{base}{ROOT}/shifts/{morning.shift_id}/handover"
    latest = f"{base}{ROOT}/desk/{post}/handover/latest"
    async with httpx.AsyncClient(timeout=10) as client:
        none_yet = await client.get(latest, headers=member(evening))
        assert none_yet.status_code == 404

        # Refused: a stranger, an empty note, a shift not yet begun, an unknown shift.
        stranger_try = await client.post(handover, json=NOTE, headers=member(stranger))
        assert stranger_try.status_code == 409
        assert stranger_try.json()["errors"][0]["rule"] == "not_your_shift"
        empty = await client.post(handover, json={**NOTE, "work_done": "   "}, headers=member(day))
        assert empty.status_code == 422
        assert empty.json()["errors"][0]["field"] == "work_done"
        unknown_field = await client.post(
            handover, json={**NOTE, "mood": "good"}, headers=member(day)
        )
        assert unknown_field.status_code == 422
        assert unknown_field.json()["errors"][0]["field"] == "mood"
        too_soon = await client.post(
            f"{base}{ROOT}/shifts/{tomorrow.shift_id}/handover", json=NOTE, headers=member(day)
        )
        assert too_soon.status_code == 409
        assert too_soon.json()["errors"][0]["rule"] == "handover_before_start"
        nowhere = await client.post(
            f"{base}{ROOT}/shifts/00000000-0000-4000-8000-000000000000/handover",
            json=NOTE,
            headers=member(day),
        )
        assert nowhere.status_code == 404
        assert (await client.get(latest, headers=member(evening))).status_code == 404

        recorded = await client.post(handover, json=NOTE, headers=member(day))
        assert recorded.status_code == 201, recorded.text
        assert {k: recorded.json()[k] for k in NOTE} == NOTE
        twice = await client.post(handover, json=NOTE, headers=member(day))
        assert twice.status_code == 409
        assert twice.json()["errors"][0]["rule"] == "handover_already_recorded"

        # The evening shift's holder reads it, by API and on the desk page.
        seen = await client.get(latest, headers=member(evening))
        assert seen.status_code == 200, seen.text
        assert seen.json()["shift_id"] == str(morning.shift_id)
        assert [(n["person_id"], n["unfinished_tasks"]) for n in seen.json()["notes"]] == [
            (day, NOTE["unfinished_tasks"])
        ]
        key = await issue_desk_key(client, base, post)
        page = await client.get(f"{base}{key['page']}")
        assert page.status_code == 200
        for label, text in zip(
            ("当日工作情况", "遇到的问题", "未完成的工作任务", "重要提示"),
            NOTE.values(),
            strict=True,
        ):
            assert label in page.text and text in page.text
        assert str(afternoon.shift_id) in page.text  # the shift on duty is the afternoon's
        by_screen = await client.get(latest, params={"key": key["key"]})
        assert by_screen.status_code == 200

        # The evening holder signs in; an officer closes the afternoon shift for them.
        signed = await client.post(
            f"{base}{ROOT}/check-ins",
            json={"code": await current_code(client, base, post)},
            headers=member(evening),
        )
        assert signed.status_code == 201, signed.text
        closed = await client.post(
            f"{base}{ROOT}/shifts/{afternoon.shift_id}/handover",
            json={"work_done": "代为交接：晚班正常"},
            headers=OFFICER,
        )
        assert closed.status_code == 201, closed.text
        assert closed.json()["problems"] == ""

        # The duty log, newest first, paged; officers only.
        log_url = f"{base}{ROOT}/posts/{post}/log"
        assert (await client.get(log_url, headers=member(day))).status_code == 403
        whole = await client.get(log_url, headers=OFFICER)
        kinds = [(e["kind"], e["person_id"]) for e in whole.json()["items"]]
        assert kinds == [("handover", "officer-desk"), ("checked_in", evening), ("handover", day)]
        assert whole.json()["items"][2]["handover"]["important_notes"] == NOTE["important_notes"]
        second = await client.get(log_url, params={"limit": 1, "offset": 1}, headers=OFFICER)
        assert [e["kind"] for e in second.json()["items"]] == ["checked_in"]
        assert second.json()["limit"] == 1 and second.json()["offset"] == 1
        assert (await client.get(log_url, params={"limit": 0}, headers=OFFICER)).status_code == 422

    async def published() -> bool:
        found = await events_keyed(
            stack.kafka_bootstrap, HandoverRecorded.event_type, str(morning.shift_id)
        )
        return bool(found)

    await wait_until(published, timeout_s=30, what="HandoverRecorded")
    events = await events_keyed(
        stack.kafka_bootstrap, HandoverRecorded.event_type, str(morning.shift_id)
    )
    assert [(e["person_id"], e["post"], e["unfinished_tasks"]) for e in events] == [
        (day, post, NOTE["unfinished_tasks"])
    ]
