"""Refuses request bodies larger than the API ever needs, before they are read into memory."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.web.problems import Problem, send_problem

# The largest legitimate body (a report's metadata, a batch of scores) is far below this.
MAX_BODY_BYTES = 1024 * 1024


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

    def __init__(self, app: ASGIApp, *, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

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
        problem = Problem(
            413, "Content Too Large", f"request bodies are limited to {self.limit} bytes"
        )
        await send_problem(scope, send, problem, close=close)


def replay_messages(messages: list[Message], receive: Receive) -> Receive:
    """`messages` first, then whatever the server sends next (a disconnect)."""

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return replay
