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
  body, a JSON body by its value and a multipart boundary aside, and the caller's roles
  and college: the fingerprint, shared/web/idempotency_fingerprint.py) gets the stored
  answer, marked `Idempotent-Replayed: true`, and nothing runs again.
- The same key with another request (or by a caller whose roles changed): 422
  (`idempotency_key_reused`), nothing runs.
- A retry while the first is still being applied, or just after it committed and before
  its answer is stored: 409 at once (`idempotency_key_in_use`, `Retry-After: 1`; the key's
  advisory lock tells, so a retry never waits for the first nor holds a connection),
  nothing runs. If the database is away through the store's few quick tries, the answer
  is sent anyway and stored in the background once the database is back (for up to
  `KEEP_LATER_S`); if it never is (or the process dies first) the 409 stays: the write
  was applied, and the client reads the resource to see the outcome.
- An answer marked `Cache-Control: no-store` (a secret shown once: `ShownOnce`) keeps its
  status alone: a retry gets 409 (`idempotency_answer_withheld`), never the secret. So
  does a streamed answer (its first part says more is coming): it is passed on as it
  comes, never held whole.
- A write that was refused (4xx) or failed rolled back with its key: a retry runs it again.
  A refusal a route commits on purpose is kept like any answer. A 5xx answer after the
  write committed is not kept (the retries get the 409).
- Keys are the caller's own (the token's subject): two callers never share one. Without a
  verifiable token the key is not looked at and the route answers 401 as always (and an
  operation without bearer security does not document the header).

A malformed key is a 400 (`idempotency_key_invalid`). Routes whose write is not one
transaction of the `Transaction` dependency record the claim in their own transaction
(`Idempotency` in `shared.web.dependencies`), or are repeatable by nature and say so. The
SQL is in `shared/web/idempotency_store.py`.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial

import asyncpg
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.messaging.failures import is_retryable
from shared.web import idempotency_store as store
from shared.web.auth import InvalidToken, Principal, bearer_token
from shared.web.idempotency_fingerprint import fingerprint, standing_of
from shared.web.limits import replay_messages
from shared.web.problems import INFRASTRUCTURE_ERRORS, Problem, send_problem, unavailable

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# What of an answer is kept and replayed besides its status and body (the request id is
# the retry's own, added by the request-context middleware).
KEPT_HEADERS = ("content-type", "location", "etag", "last-modified", "content-disposition")
RETRY_IN_USE_S = 1
# An answer the database was away for (after its few quick tries) is kept in the
# background: tried this often, for this long, then given up (its retries keep the 409).
KEEP_LATER_EVERY_S = 2.0
KEEP_LATER_S = 120.0
# A body from this size has its fingerprint taken in a thread.
LARGE_BODY_BYTES = 64 * 1024
# Where the middleware leaves the request's claim for the route's transaction.
CLAIM_SCOPE_KEY = "campusflow.idempotency"

_KEY = re.compile(KEY_PATTERN)
# Answers that carry no body, so no Content-Length either (RFC 9110 8.6).
_NO_BODY_STATUSES = frozenset({204, 304})
_HEADER_NAME = HEADER.lower().encode()
_FIELD = f"header.{HEADER}"  # where a refusal's `errors` say the fault is
_log = structlog.get_logger("campusflow.web")


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
        """Store the key in the write's transaction (`conn` inside it); 409 at once when
        another request with it is in flight (it holds the key's advisory lock: this never
        waits for it, nor holds a connection meanwhile) or committed first."""
        if self.recorded:
            return
        if not await store.lock_key(conn, caller=self.caller, key=self.key):
            raise key_in_use()
        if not await store.insert_key(
            conn,
            caller=self.caller,
            key=self.key,
            method=self.method,
            path=self.path,
            fingerprint=self.fingerprint,
        ):
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
    try:
        async with conn.transaction():
            if claim is not None:
                await claim.record(conn)
            yield
    except BaseException:
        if claim is not None:  # rolled back with the write: a next try records it again
            claim.recorded = False
        raise
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
    return {"field": _FIELD, "rule": rule, "message": message}


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
            fingerprint=await _fingerprint(scope, body, principal),
        )
        try:
            stored = await store.find_key(pool, caller=claim.caller, key=key)
        except INFRASTRUCTURE_ERRORS as error:
            if not is_retryable(error):
                raise
            await send_problem(scope, send, unavailable(scope, error))
            return
        if stored is not None:
            await _answer_again(scope, send, claim, stored)
            return
        scope[CLAIM_SCOPE_KEY] = claim
        answer = _Answer(send, pool, claim)
        await self.app(scope, replay_messages(messages, receive), answer.send)


async def _fingerprint(scope: Scope, body: bytes, principal: Principal) -> bytes:
    """The request's fingerprint; a large body's off the event loop (reading a JSON body
    again costs about 50 ms a megabyte)."""
    work = partial(
        fingerprint,
        method=scope["method"],
        path=scope["path"],
        query=scope.get("query_string", b""),
        content_type=dict(scope.get("headers", ())).get(b"content-type", b""),
        body=body,
        standing=standing_of(principal),
    )
    return await asyncio.to_thread(work) if len(body) > LARGE_BODY_BYTES else work()


class _Answer:
    """Holds the answer back until its last part, keeps it (when the write committed),
    then passes it on: a client that has the answer finds it kept when it sends again."""

    def __init__(self, send: Send, pool: asyncpg.Pool, claim: IdempotencyClaim) -> None:
        self._send = send
        self._pool = pool
        self._claim = claim
        self._start: Message | None = None
        self.status = 500
        self.headers: list[list[str]] = []
        self.no_store = False
        self.streamed = False
        self.chunks: list[bytes] = []

    @property
    def withheld(self) -> bool:
        """Its status alone is kept: a secret shown once, or a streamed answer."""
        return self.no_store or self.streamed

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self._start = message
            self.status = message["status"]
            for raw_name, raw_value in message.get("headers", ()):
                name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
                if name in KEPT_HEADERS:
                    self.headers.append([name, value])
                if name == "cache-control" and "no-store" in value.lower():
                    self.no_store = True
            return
        if message["type"] != "http.response.body" or self._start is None:
            await self._send(message)
            return
        self.chunks.append(message.get("body", b""))
        # A streamed answer is passed on as it comes, never held nor kept: its status alone.
        self.streamed = bool(message.get("more_body", False))
        # A 5xx after the commit (a bug in building the answer) is not kept: its retries
        # get the 409 that says the write was applied, never an error that it was not.
        if self._claim.committed and self.status < 500:
            await _keep(self._pool, self._claim, self)
        start, self._start = self._start, None
        await self._send(start)
        await self._send({**message, "body": b"".join(self.chunks)})


async def _keep(pool: asyncpg.Pool, claim: IdempotencyClaim, answer: _Answer) -> None:
    """The answer kept (a no-store one: its status alone, never its secret). If the
    database stays away through the few tries, the answer is sent anyway (the write
    stands) and kept later, in the background, once the database is back: its retries
    get 409 until then."""
    keep = partial(
        store.keep_answer,
        pool,
        caller=claim.caller,
        key=claim.key,
        status=answer.status,
        headers=None if answer.withheld else answer.headers,
        body=None if answer.withheld else b"".join(answer.chunks),
    )
    try:
        await keep()
    except Exception as error:
        if not is_retryable(error):
            _not_kept(claim, error)
            return
        task = asyncio.create_task(_keep_later(keep, claim), name=f"keep-answer-{claim.key}")
        _KEEPING.add(task)
        task.add_done_callback(_KEEPING.discard)


# Answers being kept in the background (a reference each, so none is collected mid-way).
_KEEPING: set[asyncio.Task[None]] = set()


async def _keep_later(keep: Callable[[], Awaitable[None]], claim: IdempotencyClaim) -> None:
    deadline = time.monotonic() + KEEP_LATER_S
    try:
        while True:
            await asyncio.sleep(KEEP_LATER_EVERY_S)
            try:
                await keep()
            except Exception as error:
                if is_retryable(error) and time.monotonic() < deadline:
                    continue
                _not_kept(claim, error)
                return
            _log.info("idempotency_answer_kept_late", key=claim.key, path=claim.path)
            return
    except asyncio.CancelledError as stopped:  # the process stops first: said, not lost quietly
        _not_kept(claim, stopped)
        raise


def _not_kept(claim: IdempotencyClaim, error: BaseException) -> None:
    """Said loudly: the write stands, and its retries get 409 (the client reads the
    resource to see the outcome)."""
    _log.warning(
        "idempotency_answer_not_kept", key=claim.key, path=claim.path, error=repr(error)[:300]
    )


async def _answer_again(
    scope: Scope, send: Send, claim: IdempotencyClaim, stored: store.StoredKey
) -> None:
    if stored.fingerprint != claim.fingerprint:
        await send_problem(scope, send, _reused_key())
    elif stored.status is None:
        await send_problem(scope, send, key_in_use())
    elif stored.withheld:
        await send_problem(scope, send, _withheld(stored.status))
    else:
        headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in stored.headers]
        if stored.status not in _NO_BODY_STATUSES:
            headers.append((b"content-length", str(len(stored.body)).encode()))
        headers.append((REPLAYED_HEADER.lower().encode(), b"true"))
        await send({"type": "http.response.start", "status": stored.status, "headers": headers})
        await send({"type": "http.response.body", "body": stored.body})


def _withheld(status: int) -> Problem:
    message = (
        f"the request with this {HEADER} was applied (it answered {status}); its answer is"
        " not kept (it held a secret shown only once, or was streamed): read the resource,"
        " or rotate the secret for a new one"
    )
    return Problem.conflict(message, field=_FIELD, rule="idempotency_answer_withheld")


def _invalid_key() -> Problem:
    message = f"{HEADER} must be 1 to 255 visible ASCII characters, sent once"
    return Problem(400, "Bad Request", message, errors=[_error("idempotency_key_invalid", message)])


def _reused_key() -> Problem:
    message = (
        f"this {HEADER} was used for another request (its method, path, query or body"
        " differ, or the caller's roles or college changed since); a key names one request:"
        " use a new key for a new request"
    )
    return Problem.invalid(_FIELD, "idempotency_key_reused", message)


def _principal(scope: Scope) -> Principal | None:
    header = dict(scope.get("headers", ())).get(b"authorization", b"").decode("latin-1")
    token = bearer_token(header)
    verifier = getattr(scope["app"].state, "token_verifier", None)
    if token is None or verifier is None:
        return None
    try:
        principal: Principal = verifier.verify(token)
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
