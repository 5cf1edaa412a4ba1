"""Refuses request bodies larger than the API ever needs, before they are read into memory."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.web.problems import Problem, send_problem

# The largest legitimate body (a report's metadata, a batch of scores) is far below this.
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class OversizeField:
    """A route whose body is mostly one field (a file upload, a report's text): a body
    refused for its size names that field, as the route itself names one just over its own
    limit."""

    path: re.Pattern[str]  # matched against the whole request path
    field: str
    rule: str
    message: str

    @classmethod
    def of_route(cls, template: str, *, field: str, rule: str, message: str) -> OversizeField:
        """For the route `template` ("/api/x/{college}/files"): each {parameter} is one
        path segment."""
        parts = re.split(r"\{[^/{}]+\}", template)
        pattern = re.compile("[^/]+".join(re.escape(part) for part in parts))
        return cls(pattern, field, rule, message)

    def problem(self) -> Problem:
        return Problem(
            413,
            "Content Too Large",
            self.message,
            errors=[{"field": self.field, "rule": self.rule, "message": self.message}],
        )


class BodySizeLimit:
    """413 once more than `limit` bytes of body have arrived, whatever the headers say.

    The bytes are counted as they are received: a Content-Length over the limit is
    refused at once, but a smaller one is not trusted (a chunked body with a lying
    Content-Length: 10 still counts). The body is buffered here, at most `limit` bytes
    and one more network read, and handed on whole once it has ended: no route ever
    reads an unbounded body. A body that outgrows the limit while it arrives has its
    connection closed, since the rest of it is left unread; a declared Content-Length over
    the limit is answered before the body is read, and the server drains or closes.

    FastAPI turns any error raised while it reads a body into a 400, so the refusal is
    answered here, not raised from the app.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int = MAX_BODY_BYTES,
        fields: Sequence[OversizeField] = (),
    ) -> None:
        self.app = app
        self.limit = limit
        self.fields = tuple(fields)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", ())).get(b"content-length")
        if length is not None and length.strip().isdigit() and int(length) > self.limit:
            # Refused before a byte is read, the connection left to the server: closing it
            # while the client still sends the body would reset it before the client reads
            # the 413 (httpx.ReadError, about one request in three here).
            await self._refuse(scope, send, close=False)
            return
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away mid-body
                await self.app(scope, replay_messages([message], receive), send)
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:  # a body larger than it said: stop reading, hang up
                await self._refuse(scope, send, close=True)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        whole: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, replay_messages([whole], receive), send)

    async def _refuse(self, scope: Scope, send: Send, *, close: bool) -> None:
        path = scope.get("path", "")
        named = [f for f in self.fields if f.path.fullmatch(path)]
        problem = (
            named[0].problem()
            if named
            else Problem(
                413, "Content Too Large", f"request bodies are limited to {self.limit} bytes"
            )
        )
        await send_problem(scope, send, problem, close=close)


def replay_messages(messages: list[Message], receive: Receive) -> Receive:
    """`messages` first, then whatever the server sends next (a disconnect)."""

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return replay
