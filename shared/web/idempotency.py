"""Idempotency-Key: a client that retries a write gets the first answer again, and the
write is applied once (the IETF's draft-ietf-httpapi-idempotency-key-header).

A client that sends `POST`, `PUT`, `PATCH` or `DELETE` with an `Idempotency-Key` header (1
to 255 visible ASCII characters; a UUID is a good one) may send the same request again
with the same key, after a timeout or a lost connection, as often as it likes within 24
hours:

- The first time the write commits, the key is stored **in the route's own transaction**
  (`IdempotencyClaim.record`, called by the `Transaction` dependency): the key exists
  exactly when the write does, never without it, never twice. Its answer (status, body,
  and the headers in `KEPT_HEADERS`) is stored just after the route returns.
- A retry with the same key and the same request (method, path, query, content type and
  body: the fingerprint) gets the stored answer, marked `Idempotent-Replayed: true`, and
  nothing runs again.
- The same key with another request: 422 (`idempotency_key_reused`), nothing runs.
- A retry while the first is still being applied, or just after it committed and before
  its answer is stored: 409 (`idempotency_key_in_use`, `Retry-After: 1`), nothing runs.
  If the process died in that instant the answer is lost for good: the 409 then says the
  write was applied, and the client reads the resource to see the outcome.
- A write that was refused (4xx) or failed rolled back with its key: a retry runs it again.
  A 5xx answer after the write committed is not kept (the retries get the 409).
- Keys are the caller's own (the token's subject): two callers never share one. Without a
  verifiable token the key is not looked at and the route answers 401 as always.

A malformed key is a 400 (`idempotency_key_invalid`). Routes whose write is not one
transaction of the `Transaction` dependency record the claim in their own transaction
(`Idempotency` in `shared.web.dependencies`), or are repeatable by nature and say so.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

import asyncpg
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.messaging.failures import is_retryable
from shared.web.auth import InvalidToken, Principal
from shared.web.limits import replay_messages
from shared.web.problems import INFRASTRUCTURE_ERRORS, Problem, send_problem, unavailable

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
RETENTION = timedelta(hours=24)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# What of an answer is kept and replayed besides its status and body (the request id is
# the retry's own, added by the request-context middleware).
KEPT_HEADERS = ("content-type", "location", "etag", "last-modified", "content-disposition")
RETRY_IN_USE_S = 1
# Where the middleware leaves the request's claim for the route's transaction.
CLAIM_SCOPE_KEY = "campusflow.idempotency"

_KEY = re.compile(KEY_PATTERN)
_HEADER_NAME = HEADER.lower().encode()
_log = structlog.get_logger("campusflow.web")


def fingerprint(*, method: str, path: str, query: bytes, content_type: bytes, body: bytes) -> bytes:
    """What makes two requests the same request: sha256 over each part, length-prefixed."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, content_type, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


@dataclass
class IdempotencyClaim:
    """A keyed write in flight: recorded in its transaction, answered once it committed."""

    caller: str
    key: str
    method: str
    path: str
    fingerprint: bytes
    recorded: bool = False
    committed: bool = False

    async def record(self, conn: asyncpg.Connection) -> None:
        """Store the key in the write's transaction (`conn` inside it); 409 when another
        request with it committed first (this waits for one still in flight)."""
        if self.recorded:
            return
        stored = await conn.fetchval(
            """INSERT INTO idempotency_keys (caller, key, method, path, fingerprint)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (caller, key) DO UPDATE
                   SET method = EXCLUDED.method, path = EXCLUDED.path,
                       fingerprint = EXCLUDED.fingerprint, created_at = now(),
                       status = NULL, headers = NULL, body = NULL
                   WHERE idempotency_keys.created_at < now() - $6::interval
               RETURNING true""",
            self.caller,
            self.key,
            self.method,
            self.path,
            self.fingerprint,
            RETENTION,
        )
        if not stored:
            raise key_in_use()
        self.recorded = True

    def commit_done(self) -> None:
        """The transaction that recorded the key has committed: keep the answer."""
        if self.recorded:
            self.committed = True


@asynccontextmanager
async def keyed_transaction(
    conn: asyncpg.Connection, claim: IdempotencyClaim | None
) -> AsyncIterator[None]:
    """A transaction on `conn` that records `claim` (if any) and, once it has committed,
    lets the middleware keep the answer."""
    async with conn.transaction():
        if claim is not None:
            await claim.record(conn)
        yield
    if claim is not None:
        claim.commit_done()


def claim_of(scope: Scope) -> IdempotencyClaim | None:
    claim = scope.get(CLAIM_SCOPE_KEY)
    return claim if isinstance(claim, IdempotencyClaim) else None


def key_in_use() -> Problem:
    return Problem(
        409,
        "Conflict",
        f"a request with this {HEADER} is being applied, or was applied and its answer is"
        f" not kept yet; retry in {RETRY_IN_USE_S} s (if this lasts, the write was applied"
        " and its answer was lost: read the resource to see the outcome)",
        errors=[_error("idempotency_key_in_use", "the key's first request is not answered yet")],
        headers={"Retry-After": str(RETRY_IN_USE_S)},
    )


def _error(rule: str, message: str) -> dict[str, str]:
    return {"field": f"header.{HEADER}", "rule": rule, "message": message}


async def prune_expired(conn: asyncpg.Connection) -> int:
    """Forget keys older than the retention; returns how many."""
    done = await conn.execute(
        "DELETE FROM idempotency_keys WHERE created_at < now() - $1::interval", RETENTION
    )
    return int(done.split()[-1])


@dataclass(frozen=True)
class _Stored:
    fingerprint: bytes
    status: int | None
    headers: list[list[str]]
    body: bytes


async def _find(pool: asyncpg.Pool, caller: str, key: str) -> _Stored | None:
    row = await pool.fetchrow(
        """SELECT fingerprint, status, headers, body FROM idempotency_keys
           WHERE caller = $1 AND key = $2 AND created_at >= now() - $3::interval""",
        caller,
        key,
        RETENTION,
    )
    if row is None:
        return None
    headers = json.loads(row["headers"]) if row["headers"] is not None else []
    return _Stored(bytes(row["fingerprint"]), row["status"], headers, bytes(row["body"] or b""))


async def _keep_answer(
    pool: asyncpg.Pool, claim: IdempotencyClaim, status: int, headers: list[list[str]], body: bytes
) -> None:
    await pool.execute(
        """UPDATE idempotency_keys SET status = $3, headers = $4::jsonb, body = $5
           WHERE caller = $1 AND key = $2""",
        claim.caller,
        claim.key,
        status,
        json.dumps(headers),
        body,
    )


class IdempotencyKeys:
    """The middleware: looks a keyed write up before the route runs, keeps its answer
    after. Runs inside the body-size limit and the input guard (the body is whole)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        keys = [value for name, value in scope.get("headers", ()) if name == _HEADER_NAME]
        if not keys:
            await self.app(scope, receive, send)
            return
        key = keys[0].decode("latin-1")
        if len(keys) > 1 or not _KEY.fullmatch(key):
            await send_problem(scope, send, _invalid_key())
            return
        principal = _principal(scope)
        pool = _pool(scope)
        if principal is None or pool is None:  # the route answers (401, or not started)
            await self.app(scope, receive, send)
            return
        messages, body = await _read_body(receive)
        claim = IdempotencyClaim(
            caller=principal.user_id,
            key=key,
            method=scope["method"],
            path=scope["path"],
            fingerprint=fingerprint(
                method=scope["method"],
                path=scope["path"],
                query=scope.get("query_string", b""),
                content_type=dict(scope.get("headers", ())).get(b"content-type", b""),
                body=body,
            ),
        )
        try:
            stored = await _find(pool, claim.caller, key)
        except INFRASTRUCTURE_ERRORS as error:
            if not is_retryable(error):
                raise
            await send_problem(scope, send, unavailable(scope, error))
            return
        if stored is not None:
            await _answer_again(scope, send, claim, stored)
            return
        scope[CLAIM_SCOPE_KEY] = claim
        answer = _Answer(send)
        try:
            await self.app(scope, replay_messages(messages, receive), answer.send)
        finally:
            # A 5xx after the commit (a bug in building the answer) is not kept: its retries
            # get the 409 that says the write was applied, never an error that it was not.
            if claim.committed and answer.status < 500:
                await _keep(pool, claim, answer)


class _Answer:
    """Passes the answer on and keeps a copy of it."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 500
        self.headers: list[list[str]] = []
        self.chunks: list[bytes] = []

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = [
                [name.decode("latin-1"), value.decode("latin-1")]
                for name, value in message.get("headers", ())
                if name.decode("latin-1").lower() in KEPT_HEADERS
            ]
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))
        await self._send(message)


async def _keep(pool: asyncpg.Pool, claim: IdempotencyClaim, answer: _Answer) -> None:
    try:
        await _keep_answer(pool, claim, answer.status, answer.headers, b"".join(answer.chunks))
    except Exception as error:  # the write stands; its retries get 409 and read the resource
        _log.warning(
            "idempotency_answer_not_kept", key=claim.key, path=claim.path, error=repr(error)[:300]
        )


async def _answer_again(scope: Scope, send: Send, claim: IdempotencyClaim, stored: _Stored) -> None:
    if stored.fingerprint != claim.fingerprint:
        await send_problem(scope, send, _reused_key())
    elif stored.status is None:
        await send_problem(scope, send, key_in_use())
    else:
        headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in stored.headers]
        headers.append((b"content-length", str(len(stored.body)).encode()))
        headers.append((REPLAYED_HEADER.lower().encode(), b"true"))
        await send({"type": "http.response.start", "status": stored.status, "headers": headers})
        await send({"type": "http.response.body", "body": stored.body})


def _invalid_key() -> Problem:
    message = f"{HEADER} must be 1 to 255 visible ASCII characters, sent once"
    return Problem(400, "Bad Request", message, errors=[_error("idempotency_key_invalid", message)])


def _reused_key() -> Problem:
    message = (
        f"this {HEADER} was used for another request (method, path, query or body differ);"
        " a key names one request: use a new key for a new request"
    )
    return Problem(
        422, "Unprocessable Content", message, errors=[_error("idempotency_key_reused", message)]
    )


def _principal(scope: Scope) -> Principal | None:
    header = dict(scope.get("headers", ())).get(b"authorization", b"").decode("latin-1")
    scheme, _, token = header.partition(" ")
    verifier = getattr(scope["app"].state, "token_verifier", None)
    if scheme.lower() != "bearer" or not token.strip() or verifier is None:
        return None
    try:
        principal: Principal = verifier.verify(token.strip())
    except InvalidToken:
        return None
    return principal


def _pool(scope: Scope) -> asyncpg.Pool | None:
    runtime = getattr(scope["app"].state, "runtime", None)
    pool: asyncpg.Pool | None = getattr(runtime, "pool", None)
    return pool


async def _read_body(receive: Receive) -> tuple[list[Message], bytes]:
    """The whole body (the size limit outside has bounded it), and the messages to hand on."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return messages, b"".join(chunks)
