"""Refuses request bodies larger than the API ever needs, before they are read into memory."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.web.middleware import request_id_from_scope
from shared.web.problems import PROBLEM_CONTENT_TYPE, Problem

# The largest legitimate body (a report's metadata, a batch of scores) is far below this.
MAX_BODY_BYTES = 1024 * 1024


class BodySizeLimit:
    """413 for a body over the limit: by its Content-Length, or by counting a chunked one.

    FastAPI turns any error raised while it reads a body into a 400, so the
    refusal is answered here. A chunked body is buffered (at most `limit` bytes)
    and then handed on.
    """

    def __init__(self, app: ASGIApp, *, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", ())).get(b"content-length")
        if length is not None:
            if length.isdigit() and int(length) > self.limit:
                await self._refuse(scope, send)
                return
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            seen += len(message.get("body", b""))
            if seen > self.limit:
                await self._refuse(scope, send)
                return
            if message["type"] != "http.request" or not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        problem = Problem(
            413, "Payload Too Large", f"request bodies are limited to {self.limit} bytes"
        )
        body = json.dumps(problem.body(request_id_from_scope(scope))).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
