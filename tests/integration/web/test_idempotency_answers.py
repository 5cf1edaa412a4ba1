"""What an Idempotency-Key keeps and answers, on the real PostgreSQL: a retry racing a first
that is still running is answered at once (it neither waits nor holds a connection); a
caller whose roles changed gets no replay of what the old ones allowed; a secret shown
once is never kept; an upload sent again is the same request; a 204 is replayed as a
204; a refusal that was itself committed is replayed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import asyncpg
import pytest
from fastapi import APIRouter, FastAPI, UploadFile
from fastapi.responses import StreamingResponse

from shared.rules import TryAgain
from shared.web.dependencies import (
    ACQUIRE_TIMEOUT_S,
    Idempotency,
    Pool,
    ShownOnce,
    Transaction,
)
from shared.web.idempotency import keyed_transaction
from shared.web.idempotency_store import lock_key
from shared.web.problems import Problem
from tests.integration.web.support import (
    Officer,
    app_on,
    client,
    count,
    headers,
    insert,
    insert_keyed,
    post_times,
    rule,
)

pytestmark = pytest.mark.integration

SECRET = "s3cr3t-shown-once"


class Held:
    """A write that stops after writing, until the test lets it go on."""

    def __init__(self) -> None:
        self.writing = asyncio.Event()
        self.go_on = asyncio.Event()


def routes(held: Held) -> APIRouter:
    router = APIRouter()

    @router.post("/effects/{application_id}/held", status_code=201)
    async def record_held(
        application_id: UUID, officer: Officer, conn: Transaction
    ) -> dict[str, str]:
        await insert(conn, application_id)
        held.writing.set()
        await asyncio.wait_for(held.go_on.wait(), timeout=30)
        return {"run": str(uuid4())}

    @router.post("/effects/{application_id}/secret", status_code=201, dependencies=[ShownOnce])
    async def record_secret(
        application_id: UUID, officer: Officer, conn: Transaction
    ) -> dict[str, str]:
        await insert(conn, application_id)
        return {"secret": SECRET}

    @router.post("/effects/{application_id}/upload", status_code=201)
    async def record_upload(
        application_id: UUID, file: UploadFile, officer: Officer, conn: Transaction
    ) -> dict[str, str]:
        await insert(conn, application_id)
        return {"run": str(uuid4()), "size": str(len(await file.read()))}

    @router.delete("/effects/{application_id}", status_code=204)
    async def record_deletion(application_id: UUID, officer: Officer, conn: Transaction) -> None:
        await insert(conn, application_id)

    @router.post("/effects/{application_id}/refused-on-record")
    async def refuse_on_record(
        application_id: UUID, officer: Officer, pool: Pool, claim: Idempotency
    ) -> None:
        await insert_keyed(pool, claim, application_id)  # the refusal itself is recorded
        raise Problem.conflict(f"refused on record ({uuid4()})", field="id", rule="refused")

    @router.post("/effects/{application_id}/second-try", status_code=201)
    async def record_on_a_second_try(
        application_id: UUID, officer: Officer, pool: Pool, claim: Idempotency
    ) -> dict[str, str]:
        for attempt in ("1", "2"):
            try:
                async with (
                    pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn,
                    keyed_transaction(conn, claim),
                ):
                    await insert(conn, application_id)
                    if attempt == "1":
                        raise TryAgain("what it read changed under it")
                return {"attempt": attempt, "run": str(uuid4())}
            except TryAgain:
                continue
        raise AssertionError("unreachable")

    @router.post("/effects/{application_id}/stream")
    async def record_then_stream(
        application_id: UUID, officer: Officer, conn: Transaction
    ) -> StreamingResponse:
        await insert(conn, application_id)

        async def parts() -> AsyncIterator[bytes]:
            yield b"first part\n"
            yield b"second part\n"

        return StreamingResponse(parts(), media_type="text/plain")

    return router


@pytest.fixture
def held() -> Held:
    return Held()


@pytest.fixture
def app(kernel_pool: asyncpg.Pool, held: Held) -> FastAPI:
    return app_on(kernel_pool, routes(held))


async def test_a_retry_racing_a_running_first_is_answered_at_once(
    app: FastAPI, kernel_pool: asyncpg.Pool, held: Held
) -> None:
    key = str(uuid4())
    target = uuid4()
    async with client(app) as http:
        first = asyncio.create_task(
            http.post(f"/effects/{target}/held", headers=headers(key), json={})
        )
        await asyncio.wait_for(held.writing.wait(), timeout=30)
        retries = [
            await http.post(f"/effects/{target}/held", headers=headers(key), json={})
            for _ in range(3)
        ]
        # Answered while the first still holds its transaction open: none waited for it.
        assert not first.done()
        held.go_on.set()
        applied = await first
        replayed = await http.post(f"/effects/{target}/held", headers=headers(key), json={})
    assert [r.status_code for r in retries] == [409, 409, 409]
    assert {rule(r) for r in retries} == {"idempotency_key_in_use"}
    assert applied.status_code == 201
    assert replayed.json() == applied.json()
    assert await count(kernel_pool, target) == 1


async def test_a_caller_whose_roles_changed_gets_no_replay(
    app: FastAPI, kernel_pool: asyncpg.Pool, held: Held
) -> None:
    key = str(uuid4())
    target = uuid4()
    held.go_on.set()
    async with client(app) as http:
        first = await http.post(
            f"/effects/{target}/held", headers=headers(key, roles=("officer", "teacher"))
        )
        demoted = await http.post(f"/effects/{target}/held", headers=headers(key))
        student = await http.post(
            f"/effects/{target}/held", headers=headers(key, roles=("student",))
        )
    assert first.status_code == 201
    assert demoted.status_code == 422 and rule(demoted) == "idempotency_key_reused"
    assert student.status_code == 422 and "idempotent-replayed" not in student.headers
    assert await count(kernel_pool, target) == 1


async def test_a_secret_shown_once_is_never_kept_nor_shown_again(
    app: FastAPI, kernel_pool: asyncpg.Pool
) -> None:
    key = str(uuid4())
    target = uuid4()
    first, retry = await post_times(app, f"/effects/{target}/secret", key, 2)
    assert first.status_code == 201 and first.json() == {"secret": SECRET}
    assert first.headers["cache-control"] == "no-store"
    assert retry.status_code == 409
    assert rule(retry) == "idempotency_answer_withheld"
    assert SECRET not in retry.text and "201" in retry.json()["detail"]
    kept = await kernel_pool.fetchrow(
        "SELECT status, withheld, headers, body FROM idempotency_keys WHERE key = $1", key
    )
    assert dict(kept) == {"status": 201, "withheld": True, "headers": None, "body": None}
    assert await count(kernel_pool, target) == 1


async def test_an_upload_sent_again_is_the_same_request(
    app: FastAPI, kernel_pool: asyncpg.Pool
) -> None:
    key = str(uuid4())
    target = uuid4()
    report = ("report.pdf", b"%PDF-1.4 the same bytes", "application/pdf")
    async with client(app) as http:
        # httpx draws a new multipart boundary for each request.
        sent = [
            await http.post(
                f"/effects/{target}/upload", headers=headers(key), files={"file": report}
            )
            for _ in range(2)
        ]
        other = await http.post(
            f"/effects/{target}/upload",
            headers=headers(key),
            files={"file": ("report.pdf", b"%PDF-1.4 other bytes", "application/pdf")},
        )
    assert [r.status_code for r in sent] == [201, 201]
    assert sent[1].json() == sent[0].json()
    assert sent[1].headers["idempotent-replayed"] == "true"
    assert other.status_code == 422 and rule(other) == "idempotency_key_reused"
    assert await count(kernel_pool, target) == 1


async def test_a_204_is_replayed_as_a_204(app: FastAPI, kernel_pool: asyncpg.Pool) -> None:
    key = str(uuid4())
    target = uuid4()
    async with client(app) as http:
        answers = [await http.delete(f"/effects/{target}", headers=headers(key)) for _ in range(2)]
    assert [r.status_code for r in answers] == [204, 204]
    assert answers[1].headers["idempotent-replayed"] == "true"
    assert "content-length" not in answers[1].headers
    assert answers[1].content == b""
    assert await count(kernel_pool, target) == 1


async def test_a_refusal_that_was_committed_is_replayed(
    app: FastAPI, kernel_pool: asyncpg.Pool
) -> None:
    key = str(uuid4())
    target = uuid4()
    first, retry = await post_times(app, f"/effects/{target}/refused-on-record", key, 2)
    assert (first.status_code, retry.status_code) == (409, 409)
    assert retry.json()["detail"] == first.json()["detail"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert await count(kernel_pool, target) == 1


async def test_a_write_tried_again_in_its_route_records_its_key_on_the_try_that_commits(
    app: FastAPI, kernel_pool: asyncpg.Pool
) -> None:
    key = str(uuid4())
    target = uuid4()
    first, retry = await post_times(app, f"/effects/{target}/second-try", key, 2)
    assert first.status_code == 201 and first.json()["attempt"] == "2"
    assert retry.json() == first.json() and retry.headers["idempotent-replayed"] == "true"
    assert await count(kernel_pool, target) == 1


async def test_a_streamed_answer_is_passed_on_as_it_comes_and_keeps_its_status_alone(
    app: FastAPI, kernel_pool: asyncpg.Pool
) -> None:
    key = str(uuid4())
    target = uuid4()
    first, retry = await post_times(app, f"/effects/{target}/stream", key, 2)
    assert first.status_code == 200 and first.text == "first part\nsecond part\n"
    assert retry.status_code == 409 and rule(retry) == "idempotency_answer_withheld"
    assert await count(kernel_pool, target) == 1


async def test_a_keys_lock_is_the_services_own(kernel_pool: asyncpg.Pool) -> None:
    """Same caller and key on two services (schemas) at once: both go on."""
    key = str(uuid4())
    async with kernel_pool.acquire() as mine, kernel_pool.acquire() as theirs:
        await theirs.execute("SET search_path TO public")
        async with mine.transaction(), theirs.transaction():
            assert await lock_key(mine, caller="officer-1", key=key)
            assert await lock_key(theirs, caller="officer-1", key=key)
            assert await lock_key(theirs, caller="officer-2", key=key)
        await theirs.execute("RESET search_path")
    async with kernel_pool.acquire() as one, kernel_pool.acquire() as other:
        async with one.transaction(), other.transaction():
            assert await lock_key(one, caller="officer-1", key=key)
            assert not await lock_key(other, caller="officer-1", key=key)
