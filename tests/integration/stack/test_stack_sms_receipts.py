"""The local stack's SMS double pushes delivery receipts to the notifications service:
`start_doubles(notifications_port=...)` (as `campusflow stack up` and the e2e session
call it) starts it with `--report-url` = that port's receipts route and the local
receipt token. Here a local HTTP receiver stands on that port; a real SMS sent to the
double through the SMS channel comes back as a receipt there."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from services.notifications.channels import Outgoing, SendOutcome
from services.notifications.channels.sms import SmsSender
from services.notifications.settings import LOCAL_SMS_RECEIPT_TOKEN, NotificationsSettings
from shared.config import LOCAL_JWT_SECRET
from tests.support.http_server import serve
from tests.support.kafka import wait_until
from tools.doubles.sms import DEFAULT_ACCESS_KEY
from tools.stack.doubles import receipts_url, start_doubles, stop_doubles
from tools.stack.processes import record_alive
from tools.stack.state import read_stack_state

pytestmark = pytest.mark.integration


class _Receipts:
    def __init__(self) -> None:
        self.pushed: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def app(self) -> Starlette:
        async def receive(request: Request) -> JSONResponse:
            with self.lock:
                self.pushed.append(
                    {
                        "path": request.url.path,
                        "token": request.query_params.get("token"),
                        "body": await request.json(),
                    }
                )
            return JSONResponse({"code": 0, "msg": "成功"})

        return Starlette(routes=[Route("/{path:path}", receive, methods=["POST"])])


@pytest.fixture
def receiver() -> Iterator[tuple[_Receipts, int]]:
    receipts = _Receipts()
    with serve(receipts.app()) as (_, port):
        yield receipts, port


def _settings(sms_url: str) -> NotificationsSettings:
    return NotificationsSettings(
        environment="test",
        database_url="postgresql://unused@127.0.0.1/unused",
        kafka_bootstrap="127.0.0.1:9",
        redis_url="redis://127.0.0.1:9",
        jwt_secret=LOCAL_JWT_SECRET,
        sms_provider_url=sms_url,
        sms_access_key=DEFAULT_ACCESS_KEY,
        sms_timeout_s=5.0,
    )


def _incident_sms(phone: str) -> Outgoing:
    return Outgoing(
        message_id=uuid4(),
        delivery_id=uuid4(),
        attempt=1,
        channel="sms",
        college="cs",
        recipient_id="teacher-1",
        address=phone,
        locale="zh-CN",
        kind="incident_alert",
        title="突发事件",
        body="集合时少一名学生",
        fields={
            "title": "春游学生走失",
            "summary": "集合时少一名学生",
            "place": "植物园",
            "occurred_at": "2026-04-02T11:00:00+08:00",
            "step": 0,
            "role": "带队教师",
            "ack_url": "http://127.0.0.1/ack",
        },
        idempotency_key=f"campusflow-{uuid4()}",
    )


def test_the_receipts_url_is_the_services_route_with_the_local_token() -> None:
    assert receipts_url(8004) == (
        "http://127.0.0.1:8004/api/notifications/providers/sms/receipts"
        f"?token={LOCAL_SMS_RECEIPT_TOKEN}"
    )
    assert receipts_url(8004, "a b&c").endswith("?token=a%20b%26c")


async def test_the_stacks_sms_double_pushes_receipts_to_notifications(
    tmp_path: Path, receiver: tuple[_Receipts, int]
) -> None:
    receipts, port = receiver
    records = start_doubles(tmp_path, notifications_port=port)
    try:
        sms = records["sms"]
        assert sms["notifications_port"] == port
        result = await SmsSender(_settings(sms["url"])).send(_incident_sms("+8613800138000"))
        assert result.outcome is SendOutcome.SENT, result.detail

        async def pushed_once() -> bool:
            return bool(receipts.pushed)

        await wait_until(pushed_once, timeout_s=15, what="the receipt pushed")
        [pushed] = receipts.pushed
        assert pushed["path"] == "/api/notifications/providers/sms/receipts"
        assert pushed["token"] == LOCAL_SMS_RECEIPT_TOKEN
        [report] = pushed["body"]
        assert report["biz_id"] == result.provider_message_id
        assert report["success"] is True and report["phone_number"] == "13800138000"

        # Again for the same port: kept. For another port: started again, pointed there.
        again = start_doubles(tmp_path, notifications_port=port)
        assert again["sms"]["pid"] == sms["pid"]
        moved = start_doubles(tmp_path, notifications_port=port + 1)
        assert moved["sms"]["pid"] != sms["pid"]
        assert moved["sms"]["notifications_port"] == port + 1
        assert moved["smtp"]["pid"] == records["smtp"]["pid"]
        assert not record_alive(sms)
        recorded = (read_stack_state(tmp_path) or {})["doubles"]["sms"]
        assert recorded["pid"] == moved["sms"]["pid"]
    finally:
        stop_doubles(tmp_path)


async def test_without_a_notifications_port_no_receipt_is_pushed(
    tmp_path: Path, receiver: tuple[_Receipts, int]
) -> None:
    receipts, _ = receiver
    records = start_doubles(tmp_path)
    try:
        assert records["sms"]["notifications_port"] is None
        result = await SmsSender(_settings(records["sms"]["url"])).send(
            _incident_sms("13800138000")
        )
        assert result.outcome is SendOutcome.SENT, result.detail
        await asyncio.sleep(1.5)  # the double would push after 0.5 s
        assert receipts.pushed == []
    finally:
        stop_doubles(tmp_path)
