"""Idempotency-Key on the real PostgreSQL: a retried write is applied once and answered
the same; the key with another request, a malformed key, a retry racing the first, a
refusal, another caller, an expired key, and a write in a route's own transaction."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import pytest
from fastapi import APIRouter, FastAPI, Response

from shared.rules import RuleBroken
from shared.web.dependencies import Idempotency, Pool, Transaction
from shared.web.idempotency import LARGE_BODY_BYTES
from shared.web.idempotency_store import prune_expired
from tests.integration.web.support import (
    Officer,
    app_on,
    assert_replay_of,
    client,
    count,
    headers,
    insert,
    insert_keyed,
    keys_kept,
    post_times,
    rule,
)

pytestmark = pytest.mark.integration


def routes() -> APIRouter:
    router = APIRouter()

    @router.post("/effects/{application_id}", status_code=201)
    async def record(
        application_id: UUID, officer: Officer, conn: Transaction, response: Response
    ) -> dict[str, str]:
        await insert(conn, application_id)
        response.headers["Location"] = f"/effects/{application_id}"
        # Different on every run: a replay shows the first run's.
        return {"id": str(application_id), "run": str(uuid4()), "by": officer.user_id}

    @router.post("/effects/{application_id}/slow", status_code=201)
    async def record_slowly(
        application_id: UUID, officer: Officer, conn: Transaction
    ) -> dict[str, str]:
        await insert(conn, application_id)
        await asyncio.sleep(0.5)
        return {"run": str(uuid4())}

    @router.post("/effects/{application_id}/refused")
    async def refused(application_id: UUID, officer: Officer, conn: Transaction) -> None:
        await insert(conn, application_id)
        raise RuleBroken("refused", field="id", message="written, then refused")

    @router.post("/effects/{application_id}/broken-answer", status_code=201)
    async def record_then_answer_badly(
        application_id: UUID, officer: Officer, conn: Transaction
    ) -> dict[str, int]:
        await insert(conn, application_id)
        return {"run": "not a number"}  # type: ignore[dict-item]  # the answer fails: 500

    @router.post("/effects/{application_id}/own", status_code=201)
    async def record_in_own_transaction(
        application_id: UUID, officer: Officer, pool: Pool, claim: Idempotency
    ) -> dict[str, str]:
        await insert_keyed(pool, claim, application_id)
        return {"run": str(uuid4())}

    @router.post("/effects/{application_id}/own-then-fail", status_code=201)
    async def record_then_fail(
        application_id: UUID, officer: Officer, pool: Pool, claim: Idempotency
    ) -> None:
        await insert_keyed(pool, claim, application_id)
        raise RuntimeError("a bug after the write committed")

    return router


@pytest.fixture
def app(kernel_pool: asyncpg.Pool) -> FastAPI:
    return app_on(kernel_pool, routes())


async def test_a_retry_with_the_key_gets_the_first_answer_and_writes_nothing(
    app: FastAPI, kernel_pool: asyncpg.Pool
) -> None:
    key = str(uuid4())
    target = uuid4()
    async with client(app) as http:
        first = await http.post(f"/effects/{target}", headers=headers(key), json={"a": 1})
        again = [
            await http.post(f"/effects/{target}", headers=headers(key), json={"a": 1})
            for _ in range(3)
        ]
        # The same JSON spelt otherwise (a client that serialises it again) is the same.
        again.append(
            await http.post(
                f"/effects/{target}",
                headers={**headers(key), "content-type": "application/json"},
                content=b' {\n  "a" : 1 }\n',
            )
        )
        without_key = await http.post(f"/effects/{target}", headers=headers(None), json={"a": 1})
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    for retry in again:
        assert retry.status_code == 201
        assert retry.json() == first.json()
        assert retry.headers["location"] == f"/effects/{target}"
        assert retry.headers["content-type"] == first.headers["content-type"]
        assert retry.headers["idempotent-replayed"] == "true"
        assert retry.headers["x-request-id"] != first.headers["x-request-id"]
    # Without a key nothing is remembered: the second write is a write.
    assert without_key.status_code == 201
    assert without_key.json()["run"] != first.json()["run"]
    assert await count(kernel_pool, target) == 2


async def test_the_key_with_another_request_is_refused_and_changes_nothing(
    app: FastAPI, kernel_pool: asyncpg.Pool
) -> None:
    key = str(uuid4())
    target, other = uuid4(), uuid4()
    async with client(app) as http:
        first = await http.post(f"/effects/{target}", headers=headers(key), json={"a": 1})
        other_body = await http.post(f"/effects/{target}", headers=headers(key), json={"a": 2})
        other_path = await http.post(f"/effects/{other}", headers=headers(key), json={"a": 1})
        other_query = await http.post(f"/effects/{target}?x=1", headers=headers(key), json={"a": 1})
    assert first.status_code == 201
    for refused in (other_body, other_path, other_query):
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert rule(refused) == "idempotency_key_reused"
    assert await count(kernel_pool, target) == 1
    assert await count(kernel_pool, other) == 0


async def test_a_large_body_is_told_apart_and_replayed_alike(
    app: FastAPI, kernel_pool: asyncpg.Pool
) -> None:
    """A body past LARGE_BODY_BYTES has its fingerprint taken off the event loop: the
    same rules hold."""
    key = str(uuid4())
    target = uuid4()
    large = {"lines": [f"第{n}行" for n in range(LARGE_BODY_BYTES // 4)], "a": 1}
    respelt = json.dumps(dict(reversed(large.items())), indent=1).encode()
    assert len(respelt) > LARGE_BODY_BYTES
    async with client(app) as http:
        first = await http.post(f"/effects/{target}", headers=headers(key), json=large)
        again = await http.post(
            f"/effects/{target}",
            headers={**headers(key), "content-type": "application/json"},
            content=respelt,
        )
        other = await http.post(f"/effects/{target}", headers=headers(key), json={**large, "a": 2})
    assert first.status_code == 201, first.text
    assert_replay_of(first, again)
    assert other.status_code == 422 and rule(other) == "idempotency_key_reused"
    assert await count(kernel_pool, target) == 1


@pytest.mark.parametrize("key", ["", " spaced", "x" * 256, "tab\there", "ключ"])
async def test_a_malformed_key_is_a_400_and_writes_nothing(
    app: FastAPI, kernel_pool: asyncpg.Pool, key: str
) -> None:
    target = uuid4()
    sent = headers(None)
    raw = [(name.encode(), value.encode()) for name, value in sent.items()]
    raw.append((b"idempotency-key", key.encode("utf-8")))
    async with client(app) as http:
        response = await http.post(f"/effects/{target}", headers=raw, json={})
    assert response.status_code == 400, response.text
    assert rule(response) == "idempotency_key_invalid"
    assert await count(kernel_pool, target) == 0


async def test_the_key_sent_twice_in_one_request_is_a_400(
    app: FastAPI, kernel_pool: asyncpg.Pool
) -> None:
    target = uuid4()
    raw = [(name.encode(), value.encode()) for name, value in headers(None).items()]
    raw += [(b"idempotency-key", b"one"), (b"idempotency-key", b"two")]
    async with client(app) as http:
        response = await http.post(f"/effects/{target}", headers=raw, json={})
    assert response.status_code == 400
    assert await count(kernel_pool, target) == 0


async def test_a_retry_racing_the_first_is_a_409_and_the_write_happens_once(
    app: FastAPI, kernel_pool: asyncpg.Pool
) -> None:
    key = str(uuid4())
    target = uuid4()
    async with client(app) as http:
        both = await asyncio.gather(
            *(http.post(f"/effects/{target}/slow", headers=headers(key)) for _ in range(2))
        )
        later = await http.post(f"/effects/{target}/slow", headers=headers(key))
    assert sorted(r.status_code for r in both) == [201, 409]
    (raced,) = [r for r in both if r.status_code == 409]
    (applied,) = [r for r in both if r.status_code == 201]
    assert rule(raced) == "idempotency_key_in_use"
    assert raced.headers["retry-after"] == "1"
    assert later.status_code == 201
    assert later.json() == applied.json()
    assert await count(kernel_pool, target) == 1


async def test_a_refused_write_keeps_no_key_and_its_retry_runs_again(
    app: FastAPI, kernel_pool: asyncpg.Pool
) -> None:
    key = str(uuid4())
    target = uuid4()
    answers = await post_times(app, f"/effects/{target}/refused", key, 2)
    assert [r.status_code for r in answers] == [409, 409]
    assert all("idempotent-replayed" not in r.headers for r in answers)
    assert await count(kernel_pool, target) == 0
    assert await keys_kept(kernel_pool, key) == 0


async def test_keys_are_each_callers_own(app: FastAPI, kernel_pool: asyncpg.Pool) -> None:
    key = str(uuid4())
    target = uuid4()
    async with client(app) as http:
        mine = await http.post(f"/effects/{target}", headers=headers(key, user="a"), json={})
        theirs = await http.post(f"/effects/{target}", headers=headers(key, user="b"), json={})
        anonymous = await http.post(f"/effects/{target}", headers={"Idempotency-Key": key}, json={})
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert theirs.json()["by"] == "b" and "idempotent-replayed" not in theirs.headers
    assert anonymous.status_code == 401  # the key is never looked at without a caller
    assert await count(kernel_pool, target) == 2


async def test_an_answer_not_kept_is_a_409_never_a_second_write(
    app: FastAPI, kernel_pool: asyncpg.Pool
) -> None:
    """A row without a status: the write committed and its answer was lost (the process
    died in between). Its retry must not apply the write again."""
    key = str(uuid4())
    target = uuid4()
    async with client(app) as http:
        await http.post(f"/effects/{target}", headers=headers(key), json={})
        await kernel_pool.execute("UPDATE idempotency_keys SET status = NULL WHERE key = $1", key)
        retry = await http.post(f"/effects/{target}", headers=headers(key), json={})
    assert retry.status_code == 409
    assert rule(retry) == "idempotency_key_in_use"
    assert await count(kernel_pool, target) == 1


async def test_an_expired_key_may_be_used_again_and_is_pruned(
    app: FastAPI, kernel_pool: asyncpg.Pool
) -> None:
    key = str(uuid4())
    target = uuid4()
    day_ago = datetime.now(UTC) - timedelta(hours=24, minutes=1)
    async with client(app) as http:
        first = await http.post(f"/effects/{target}", headers=headers(key), json={"a": 1})
        await kernel_pool.execute(
            "UPDATE idempotency_keys SET created_at = $2 WHERE key = $1", key, day_ago
        )
        reused = await http.post(f"/effects/{target}", headers=headers(key), json={"a": 2})
        replayed = await http.post(f"/effects/{target}", headers=headers(key), json={"a": 2})
    assert (first.status_code, reused.status_code) == (201, 201)
    assert "idempotent-replayed" not in reused.headers
    assert replayed.json() == reused.json() and replayed.headers["idempotent-replayed"] == "true"
    assert await count(kernel_pool, target) == 2

    await kernel_pool.execute(
        "UPDATE idempotency_keys SET created_at = $2 WHERE key = $1", key, day_ago
    )
    async with kernel_pool.acquire() as conn:
        assert await prune_expired(conn) >= 1
    assert await keys_kept(kernel_pool, key) == 0


async def test_a_route_with_its_own_transaction_records_the_key_in_it(
    app: FastAPI, kernel_pool: asyncpg.Pool
) -> None:
    key = str(uuid4())
    target = uuid4()
    answers = await post_times(app, f"/effects/{target}/own", key, 3)
    assert [r.status_code for r in answers] == [201, 201, 201]
    assert answers[1].json() == answers[0].json() == answers[2].json()
    assert await count(kernel_pool, target) == 1


async def test_an_answer_that_cannot_be_built_rolls_the_write_back_with_its_key(
    app: FastAPI, kernel_pool: asyncpg.Pool
) -> None:
    key = str(uuid4())
    target = uuid4()
    answers = await post_times(app, f"/effects/{target}/broken-answer", key, 2)
    assert [r.status_code for r in answers] == [500, 500]
    assert await count(kernel_pool, target) == 0
    assert await keys_kept(kernel_pool, key) == 0


async def test_a_5xx_after_the_commit_is_not_replayed_its_retry_says_applied(
    app: FastAPI, kernel_pool: asyncpg.Pool
) -> None:
    key = str(uuid4())
    target = uuid4()
    first, retry = await post_times(app, f"/effects/{target}/own-then-fail", key, 2)
    assert first.status_code == 500
    assert retry.status_code == 409 and rule(retry) == "idempotency_key_in_use"
    assert await count(kernel_pool, target) == 1
