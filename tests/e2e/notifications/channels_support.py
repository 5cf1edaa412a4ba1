"""Helpers for the channel adapters' tests against real local servers: settings, an
Outgoing, a bot receiver standing in for DingTalk / WeCom / Feishu / a JSON webhook, a
port nobody listens on and a server that accepts and then says nothing."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from services.notifications.channels import Outgoing
from services.notifications.settings import NotificationsSettings
from shared.config import LOCAL_JWT_SECRET

ZH_TITLE = "【值班提醒】图书馆志愿服务岗 明天 08:30"
ZH_BODY = (
    "李雷同学：\n\n您好！您明天 08:30–10:30 在图书馆一楼服务台值班，请提前十分钟签到。"
    "\n\n如需换班，请在系统中提交换班申请。——校团委志愿者协会"
)


def channel_settings(**changes: Any) -> NotificationsSettings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": "postgresql://unused@127.0.0.1/unused",
        "kafka_bootstrap": "127.0.0.1:9",
        "redis_url": "redis://127.0.0.1:9",
        "jwt_secret": LOCAL_JWT_SECRET,
        "smtp_timeout_s": 2.0,
        "sms_timeout_s": 2.0,
        "im_timeout_s": 2.0,
        "email_from": "校园志愿平台 <noreply@campusflow.edu.cn>",
    }
    values.update(changes)
    return NotificationsSettings(**values)


def an_outgoing(channel: str, address: str, **changes: Any) -> Outgoing:
    values: dict[str, Any] = {
        "message_id": uuid4(),
        "delivery_id": uuid4(),
        "attempt": 1,
        "channel": channel,
        "college": "college-1",
        "recipient_id": "student-li-lei",
        "address": address,
        "locale": "zh-CN",
        "kind": "shift_reminder",
        "title": ZH_TITLE,
        "body": ZH_BODY,
        "fields": {
            "post": "图书馆志愿服务岗",
            "place": "图书馆一楼服务台",
            "starts_at": "2026-12-01T08:30:00+08:00",
            "lead": "1440",
        },
        "idempotency_key": f"{uuid4()}:student-li-lei:{channel}:0",
    }
    values.update(changes)
    return Outgoing(**values)


@dataclass
class BotReceiver:
    """Records every POST; answers `status` with `answer` (JSON)."""

    status: int = 200
    answer: dict[str, Any] = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    received: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        async def record(request: Request) -> JSONResponse:
            raw = await request.body()
            with self.lock:
                self.received.append(
                    {
                        "path": request.url.path,
                        "query": dict(request.query_params),
                        "headers": dict(request.headers),
                        "json": json.loads(raw) if raw else None,
                    }
                )
            return JSONResponse(self.answer, status_code=self.status)

        return Starlette(routes=[Route("/{path:path}", record, methods=["POST"])])


def dead_port() -> int:
    """A port on 127.0.0.1 nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """A TCP server that accepts connections and never says a word: the port."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()
