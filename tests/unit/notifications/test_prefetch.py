"""The batch prefetch of the notifications repository: what a block prefetched is served
inside it only (this task, this connection's key), nested blocks add to the outer one,
and leaving a block forgets what it added."""

from __future__ import annotations

import asyncio

import pytest

from services.notifications.repository.prefetch import from_prefetch, prefetched

pytestmark = pytest.mark.unit

KEY = (1, "facts", "cs", "p1\x1fduty")
OTHER = (1, "address", "cs", "p1\x1femail")


def test_a_prefetched_value_is_served_inside_its_block_only() -> None:
    assert from_prefetch(KEY) == (False, None)
    with prefetched({KEY: "facts of p1"}):
        assert from_prefetch(KEY) == (True, "facts of p1")
        assert from_prefetch((2, *KEY[1:])) == (False, None)  # another connection
    assert from_prefetch(KEY) == (False, None)


def test_a_prefetched_none_is_a_hit_not_a_miss() -> None:
    with prefetched({OTHER: None}):  # no address: known, not to be asked again
        assert from_prefetch(OTHER) == (True, None)


def test_nested_blocks_add_and_forget_their_own() -> None:
    with prefetched({KEY: "outer"}):
        with prefetched({OTHER: "inner"}):
            assert from_prefetch(KEY) == (True, "outer")
            assert from_prefetch(OTHER) == (True, "inner")
        assert from_prefetch(OTHER) == (False, None)
        assert from_prefetch(KEY) == (True, "outer")


async def test_another_task_started_outside_the_block_sees_nothing() -> None:
    inside = asyncio.Event()
    done = asyncio.Event()
    seen: list[tuple[bool, object]] = []

    async def other() -> None:
        await inside.wait()
        seen.append(from_prefetch(KEY))
        done.set()

    task = asyncio.create_task(other())
    with prefetched({KEY: "mine"}):
        inside.set()
        await done.wait()
    await task
    assert seen == [(False, None)]
