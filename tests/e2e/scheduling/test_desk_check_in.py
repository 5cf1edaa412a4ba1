"""Signing in (签到) at the duty desk on the real stack: accepted in the shift's window,
late flagged, a second scan answered with the first check-in, and every refusal (outside
the window, someone else's shift, a forged, expired, malformed or other post's code)
naming the field and rule and changing nothing; DutyCheckedIn on Kafka keyed by shift."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.scheduling.domain.desk_code import CodeKey, issue_code
from services.scheduling.settings import LOCAL_DESK_CODE_SECRET
from shared.events.scheduling import DutyCheckedIn
from tests.e2e.scheduling.desk_support import (
    COLLEGE,
    OFFICER,
    ROOT,
    current_code,
    issue_desk_key,
    member,
    new_person,
    new_post,
    publish_shift,
)
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e
# What the session's scheduling process signs with (default settings).
LOCAL_KEY = CodeKey(secret=LOCAL_DESK_CODE_SECRET.encode(), rotation_s=60)


async def duty_log(client: httpx.AsyncClient, base: str, post: str) -> list[dict[str, object]]:
    read = await client.get(f"{base}{ROOT}/posts/{post}/log", headers=OFFICER)
    assert read.status_code == 200, read.text
    items: list[dict[str, object]] = read.json()["items"]
    return items


def refusal(response: httpx.Response, status: int, field: str, rule: str) -> None:
    assert response.status_code == status, response.text
    errors = response.json()["errors"]
    assert [(e["field"], e["rule"]) for e in errors] == [(field, rule)], errors


async def test_signing_in_on_time_then_again_then_late(
    services: dict[str, str], service_dsns: dict[str, str], stack: StackEndpoints
) -> None:
    base, post = services["scheduling"], new_post("ontime")
    early_bird, latecomer = new_person(), new_person()
    now = datetime.now(UTC)
    soon = await publish_shift(
        service_dsns["scheduling"],
        post=post,
        starts_at=now + timedelta(minutes=5),
        holders=(early_bird,),
    )
    started = await publish_shift(
        service_dsns["scheduling"],
        post=post,
        starts_at=now - timedelta(minutes=20),
        holders=(latecomer,),
    )
    async with httpx.AsyncClient(timeout=10) as client:
        code = await current_code(client, base, post)
        first = await client.post(
            f"{base}{ROOT}/check-ins", json={"code": code}, headers=member(early_bird)
        )
        assert first.status_code == 201, first.text
        assert first.json()["shift_id"] == str(soon.shift_id)
        assert first.json()["late"] is False
        again = await client.post(
            f"{base}{ROOT}/check-ins",
            json={"code": code, "shift_id": str(soon.shift_id)},
            headers=member(early_bird),
        )
        assert again.status_code == 200, again.text
        assert again.json() == first.json()

        late = await client.post(
            f"{base}{ROOT}/check-ins", json={"code": code}, headers=member(latecomer)
        )
        assert late.status_code == 201, late.text
        assert (late.json()["shift_id"], late.json()["late"]) == (str(started.shift_id), True)

        log = await duty_log(client, base, post)
        assert sorted((e["person_id"], e["kind"], e["late"]) for e in log) == sorted(
            [(early_bird, "checked_in", False), (latecomer, "checked_in", True)]
        )

    async def published() -> bool:
        found = await events_keyed(
            stack.kafka_bootstrap, DutyCheckedIn.event_type, str(soon.shift_id)
        )
        return bool(found)

    await wait_until(published, timeout_s=30, what="DutyCheckedIn")
    await asyncio.sleep(1)
    on_time = await events_keyed(
        stack.kafka_bootstrap, DutyCheckedIn.event_type, str(soon.shift_id)
    )
    assert [(e["person_id"], e["late"], e["post"]) for e in on_time] == [(early_bird, False, post)]
    late_events = await events_keyed(
        stack.kafka_bootstrap, DutyCheckedIn.event_type, str(started.shift_id)
    )
    assert [(e["person_id"], e["late"]) for e in late_events] == [(latecomer, True)]


async def test_refusals_name_the_rule_and_change_nothing(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    base, post = services["scheduling"], new_post("refused")
    holder, stranger = new_person(), new_person()
    now = datetime.now(UTC)
    dsn = service_dsns["scheduling"]
    under_way = await publish_shift(
        dsn, post=post, starts_at=now - timedelta(minutes=30), holders=(holder,)
    )
    later = await publish_shift(
        dsn, post=post, starts_at=now + timedelta(hours=3), holders=(holder,)
    )
    other_post = new_post("other")
    await publish_shift(dsn, post=other_post, starts_at=now, holders=(holder,))
    check_ins = f"{base}{ROOT}/check-ins"
    async with httpx.AsyncClient(timeout=10) as client:
        code = await current_code(client, base, post)

        async def sign(body: dict[str, object], person: str = holder) -> httpx.Response:
            return await client.post(check_ins, json=body, headers=member(person))

        # Someone else's shift, named or not.
        refusal(await sign({"code": code}, stranger), 409, "shift_id", "not_your_shift")
        refusal(
            await sign({"code": code, "shift_id": str(under_way.shift_id)}, stranger),
            409,
            "shift_id",
            "not_your_shift",
        )
        # The holder's later shift: outside its window.
        refusal(
            await sign({"code": code, "shift_id": str(later.shift_id)}),
            409,
            "shift_id",
            "check_in_window",
        )
        # Codes: forged, expired, malformed, of another post, of another college.
        head, signature = code.rsplit(".", 1)
        forged = f"{head}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"
        refusal(await sign({"code": forged}), 422, "code", "code_forged")
        expired = issue_code(LOCAL_KEY, college=COLLEGE, post=post, now=now - timedelta(minutes=5))
        refusal(await sign({"code": expired.text}), 422, "code", "code_expired")
        refusal(await sign({"code": "not a desk code"}), 422, "code", "code_malformed")
        other = await current_code(client, base, other_post)
        refusal(
            await sign({"code": other, "shift_id": str(under_way.shift_id)}),
            422,
            "code",
            "code_other_post",
        )
        elsewhere = issue_code(LOCAL_KEY, college="math", post=post, now=now)
        refusal(await sign({"code": elsewhere.text}), 422, "code", "code_other_college")
        # Bad bodies.
        missing = await sign({})
        assert missing.status_code == 422
        assert missing.json()["errors"][0]["field"] == "code"
        unknown = await sign({"code": code, "shift_id": "not-a-uuid"})
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["field"] == "shift_id"
        nowhere = await sign({"code": code, "shift_id": "00000000-0000-4000-8000-000000000000"})
        assert nowhere.status_code == 404
        # Another college's member, and no token at all.
        assert (
            await client.post(
                check_ins, json={"code": code}, headers=bearer(holder, "student", "math")
            )
        ).status_code == 403
        assert (await client.post(check_ins, json={"code": code})).status_code == 401

        assert await duty_log(client, base, post) == []
        # And the holder still signs in for the shift under way.
        accepted = await sign({"code": code})
        assert accepted.status_code == 201, accepted.text
        assert accepted.json()["shift_id"] == str(under_way.shift_id)


async def test_the_code_is_for_the_screen_not_for_members(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    base, post = services["scheduling"], new_post("screen")
    code_url = f"{base}{ROOT}/desk/{post}/code"
    async with httpx.AsyncClient(timeout=10) as client:
        assert (await client.get(code_url)).status_code == 401
        assert (await client.get(code_url, headers=member(new_person()))).status_code == 403
        issued = await issue_desk_key(client, base, post)
        by_key = await client.get(code_url, params={"key": issued["key"]})
        assert by_key.status_code == 200, by_key.text
        assert by_key.json()["svg"].startswith("<svg")
        assert by_key.json()["rotation_s"] == 60
        page = await client.get(f"{base}{issued['page']}")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "值班签到" in page.text and "交接" in page.text and "<svg" in page.text
        # A key opens its own post only; a student cannot issue one; a revoked key is dead.
        other = await client.get(
            f"{base}{ROOT}/desk/{new_post('x')}/code", params={"key": issued["key"]}
        )
        assert other.status_code == 401
        refused = await client.post(
            f"{base}{ROOT}/desk/{post}/keys", json={"label": "x"}, headers=member(new_person())
        )
        assert refused.status_code == 403
        listed = await client.get(f"{base}{ROOT}/desk/{post}/keys", headers=OFFICER)
        assert [k["key_id"] for k in listed.json()] == [issued["key_id"]]
        assert "key" not in listed.json()[0]
        revoked = await client.delete(
            f"{base}{ROOT}/desk/{post}/keys/{issued['key_id']}", headers=OFFICER
        )
        assert revoked.status_code == 204
        assert (await client.get(code_url, params={"key": issued["key"]})).status_code == 401
        assert (await client.get(f"{base}{issued['page']}")).status_code == 401
