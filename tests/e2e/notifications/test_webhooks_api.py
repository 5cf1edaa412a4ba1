"""A college admin manages webhook endpoints on the running notifications service: the
secret is shown once (creation, rotation), the delivery log lists what was offered with
its attempts, a replay of a time range queues those events again; bad input gets a 422
naming the field and changes nothing; other colleges' admins and non-admins get 403.
Production's address rule is tried here through the service function with the
production flag, and through a production-mode process in test_webhooks_production.py."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import asyncpg
import httpx
import pytest

from services.notifications.service.webhooks import create_endpoint, offer_to_webhooks
from shared.rules import RuleBroken
from tests.e2e.notifications.webhooks_support import (
    SHIFT_ASSIGNED,
    WebhookReceiver,
    WebhooksApi,
    problem,
)
from tests.support.http_server import serve

pytestmark = pytest.mark.e2e

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def new_college() -> str:
    return f"wh{uuid4().hex[:8]}"


@pytest.fixture
def receiver() -> Iterator[tuple[WebhookReceiver, str]]:
    hooks = WebhookReceiver()
    with serve(hooks.app()) as (host, port):
        yield hooks, f"http://{host}:{port}"


@pytest.fixture
async def service_db(service_dsns: dict[str, str]) -> AsyncIterator[asyncpg.Connection]:
    """The running service's own notifications schema."""
    conn = await asyncpg.connect(
        service_dsns["notifications"], server_settings={"search_path": "notifications"}
    )
    try:
        yield conn
    finally:
        await conn.close()


def test_an_admin_manages_an_endpoint_and_sees_its_secret_only_once(
    services: dict[str, str], receiver: tuple[WebhookReceiver, str]
) -> None:
    _, base = receiver
    admin = WebhooksApi(services["notifications"], new_college())
    created = admin.create(
        {"url": f"{base}/in", "description": "教务系统", "event_types": [SHIFT_ASSIGNED]}
    )
    assert created.status_code == 201, created.text
    endpoint = created.json()
    assert endpoint["secret"].startswith("whsec_")
    assert endpoint["event_types"] == [SHIFT_ASSIGNED] and endpoint["active"] is True
    endpoint_id = endpoint["endpoint_id"]

    listed = admin.listing().json()["items"]
    assert [e["endpoint_id"] for e in listed] == [endpoint_id]
    assert "secret" not in listed[0] and "secret" not in admin.read(endpoint_id).json()

    changed = admin.change(endpoint_id, {"active": False, "event_types": []})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["active"], changed.json()["event_types"]) == (False, [])
    assert changed.json()["description"] == "教务系统"  # left out: kept

    rotated = admin.rotate(endpoint_id)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != endpoint["secret"]

    assert admin.remove(endpoint_id).status_code == 204
    assert admin.read(endpoint_id).status_code == 404
    assert admin.remove(endpoint_id).status_code == 404
    assert admin.listing().json()["items"] == []


def test_bad_input_is_refused_naming_the_field_and_changes_nothing(
    services: dict[str, str], receiver: tuple[WebhookReceiver, str]
) -> None:
    _, base = receiver
    admin = WebhooksApi(services["notifications"], new_college())
    refused = [
        ({"url": "ftp://files.example.com/in"}, ("url", "url_scheme")),
        ({"url": "javascript:alert(1)"}, ("url", "url_scheme")),
        ({"url": "https://user:pw@example.com/in"}, ("url", "url_credentials")),
        # Private (non-loopback) addresses are refused in every environment.
        ({"url": "http://10.0.0.8/in"}, ("url", "url_private_address")),
        ({"url": "http://169.254.169.254/latest/meta-data"}, ("url", "url_private_address")),
        ({"url": "http://[fd00::1]/in"}, ("url", "url_private_address")),
        ({"url": f"{base}/in", "event_types": ["no.such.event"]}, ("event_types", None)),
    ]
    for body, (field, rule) in refused:
        answer = admin.create(body)
        status, named, named_rule = problem(answer)
        assert (status, named) == (422, field), (body, answer.text)
        assert rule is None or named_rule == rule, (body, answer.text)
    assert admin.create({"url": f"{base}/in", "secret": "mine"}).status_code == 422
    assert admin.create({}).status_code == 422
    assert admin.listing().json()["items"] == []

    endpoint_id = admin.create({"url": f"{base}/in"}).json()["endpoint_id"]
    assert problem(admin.change(endpoint_id, {"url": "gopher://x"}))[:2] == (422, "url")
    assert admin.read(endpoint_id).json()["url"] == f"{base}/in"
    empty = admin.replay(endpoint_id, {"from": "2026-03-02T10:00:00Z", "to": "2026-03-02T09:00Z"})
    assert problem(empty)[:2] == (422, "to")
    naive = admin.replay(endpoint_id, {"from": "2026-03-02T08:00:00", "to": "2026-03-03T08:00Z"})
    assert naive.status_code == 422 and "from" in naive.text
    assert admin.log(endpoint_id, status="lost").status_code == 422
    assert admin.log(endpoint_id).json()["items"] == []
    assert admin.read(str(uuid4())).status_code == 404


def test_only_the_colleges_admins_may_manage_its_webhooks(
    services: dict[str, str], receiver: tuple[WebhookReceiver, str]
) -> None:
    _, base = receiver
    college = new_college()
    admin = WebhooksApi(services["notifications"], college)
    endpoint_id = admin.create({"url": f"{base}/in"}).json()["endpoint_id"]
    for outsider in (
        WebhooksApi(services["notifications"], college, of=new_college()),
        WebhooksApi(services["notifications"], college, role="teacher"),
        WebhooksApi(services["notifications"], college, role="student"),
    ):
        assert outsider.create({"url": f"{base}/other"}).status_code == 403
        assert outsider.listing().status_code == 403
        assert outsider.rotate(endpoint_id).status_code == 403
        assert outsider.log(endpoint_id).status_code == 403
        assert outsider.remove(endpoint_id).status_code == 403
    assert len(admin.listing().json()["items"]) == 1
    # An admin of another college does not find this one's endpoint under their own.
    other = WebhooksApi(services["notifications"], new_college())
    assert other.read(endpoint_id).status_code == 404


async def test_the_log_lists_offered_events_and_a_replay_queues_a_range_again(
    services: dict[str, str],
    receiver: tuple[WebhookReceiver, str],
    service_db: asyncpg.Connection,
) -> None:
    hooks, base = receiver
    college = new_college()
    admin = WebhooksApi(services["notifications"], college)
    created = admin.create({"url": f"{base}/log"}).json()
    hooks.secrets["/log"] = created["secret"]
    endpoint_id = created["endpoint_id"]
    events = [uuid4() for _ in range(4)]
    for i, event_id in enumerate(events):
        async with service_db.transaction():
            assert (
                await offer_to_webhooks(
                    service_db,
                    college=college,
                    event_type=SHIFT_ASSIGNED,
                    event_id=event_id,
                    occurred_at=T0 + timedelta(hours=i),
                    data={"n": i},
                    now=datetime.now(UTC),
                )
                == 1
            )

    log = admin.log(endpoint_id).json()["items"]
    assert [d["event_id"] for d in log] == [str(e) for e in reversed(events)]
    assert [d["sequence"] for d in log] == [4, 3, 2, 1]
    assert {d["status"] for d in log} <= {"pending", "delivered"}

    replayed = admin.replay(
        endpoint_id, {"from": "2026-03-02T09:00:00+00:00", "to": "2026-03-02T19:00:00+08:00"}
    )
    assert (replayed.status_code, replayed.json()) == (202, {"queued": 2})
    log = admin.log(endpoint_id, limit="2").json()["items"]
    assert [(d["sequence"], d["event_id"]) for d in log] == [
        (6, str(events[2])),
        (5, str(events[1])),
    ]
    assert all(d["replay_of"] for d in log)
    assert admin.log(endpoint_id, created_from="2099-01-01T00:00:00Z").json()["items"] == []

    # The service's "webhooks" loop sends all six to the receiver, signed, in order.
    assert _runs_webhook_loop(services)
    deadline = time.monotonic() + 15
    while len(hooks.at("/log")) < 6:
        assert time.monotonic() < deadline, "the service's webhook loop delivered too little"
        await asyncio.sleep(0.1)
    got = hooks.at("/log")
    assert [r.event_id for r in got] == [str(e) for e in [*events, events[1], events[2]]]
    assert [r.sequence for r in got] == [1, 2, 3, 4, 5, 6]
    assert all(r.signed for r in got)
    delivered = admin.log(endpoint_id, status="delivered").json()["items"]
    assert len(delivered) == 6 and all(len(d["attempt_log"]) >= 1 for d in delivered)
    assert admin.log(endpoint_id, status="pending").json()["items"] == []


def _runs_webhook_loop(services: dict[str, str]) -> bool:
    """Whether the running service supervises the "webhooks" loop (its metrics say)."""
    metrics = httpx.get(f"{services['notifications']}/metrics", timeout=5).text
    return 'campusflow_loop_running{loop="webhooks",service="notifications"} 1.0' in metrics


async def test_production_refuses_loopback_and_private_hosts_and_stores_nothing(
    service_db: asyncpg.Connection,
) -> None:
    college = new_college()
    for url in (
        "http://127.0.0.1:8080/in",
        "http://localhost:8080/in",
        "http://[::1]/in",
        "http://192.168.1.20/in",
        "http://172.16.5.4/in",
        "http://0.0.0.0/in",
        "http://[fe80::1]/in",
    ):
        with pytest.raises(RuleBroken) as refused:
            async with service_db.transaction():
                await create_endpoint(
                    service_db,
                    college=college,
                    url=url,
                    description="",
                    event_types=[],
                    active=True,
                    production=True,
                    now=datetime.now(UTC),
                )
        assert (refused.value.field, refused.value.rule) == ("url", "url_private_address"), url
    stored = await service_db.fetchval(
        "SELECT count(*) FROM webhook_endpoints WHERE college = $1", college
    )
    assert stored == 0
