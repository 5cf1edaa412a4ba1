"""SQL of escalation chains: the colleges' waits, the chains, the steps reached and the
acknowledgements."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg


@dataclass(frozen=True)
class Chain:
    chain_id: UUID
    college: str
    chain: str
    subject_id: str
    title: str
    facts: dict[str, Any]
    step_waits_s: list[int]
    step: int
    status: str
    started_at: datetime
    next_step_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None


@dataclass(frozen=True)
class StepReached:
    step: int
    role: str
    recipient_ids: list[str]
    reached_at: datetime


@dataclass(frozen=True)
class Acknowledgement:
    person_id: str
    step: int
    via: str
    acknowledged_at: datetime


_CHAIN_COLUMNS = (
    "chain_id, college, chain, subject_id, title, facts, step_waits_s, step, status,"
    " started_at, next_step_at, closed_at, closed_by"
)


def _chain(row: asyncpg.Record) -> Chain:
    values = dict(row)
    values["facts"] = json.loads(values["facts"])
    values["step_waits_s"] = list(values["step_waits_s"])
    return Chain(**values)


async def policy_waits(conn: asyncpg.Connection, *, college: str, chain: str) -> list[int] | None:
    found = await conn.fetchval(
        "SELECT step_waits_s FROM escalation_policies WHERE college = $1 AND chain = $2",
        college,
        chain,
    )
    return None if found is None else list(found)


async def put_policy(
    conn: asyncpg.Connection,
    *,
    college: str,
    chain: str,
    waits_s: Sequence[int],
    updated_by: str,
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO escalation_policies (college, chain, step_waits_s, updated_by, updated_at)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (college, chain) DO UPDATE SET"
        " step_waits_s = EXCLUDED.step_waits_s, updated_by = EXCLUDED.updated_by,"
        " updated_at = EXCLUDED.updated_at",
        college,
        chain,
        list(waits_s),
        updated_by,
        now,
    )


async def insert_chain(
    conn: asyncpg.Connection,
    *,
    chain_id: UUID,
    college: str,
    chain: str,
    subject_id: str,
    title: str,
    facts: Mapping[str, Any],
    waits_s: Sequence[int],
    now: datetime,
) -> bool:
    """A new open chain; False when the case already has one."""
    status = await conn.execute(
        "INSERT INTO escalation_chains (chain_id, college, chain, subject_id, title, facts,"
        " step_waits_s, step, status, started_at)"
        " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, 0, 'open', $8)"
        " ON CONFLICT DO NOTHING",
        chain_id,
        college,
        chain,
        subject_id,
        title,
        json.dumps(dict(facts), ensure_ascii=False, default=str),
        list(waits_s),
        now,
    )
    return status != "INSERT 0 0"


async def chain(
    conn: asyncpg.Connection, *, chain_id: UUID, for_update: bool = False
) -> Chain | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(
        f"SELECT {_CHAIN_COLUMNS} FROM escalation_chains WHERE chain_id = $1{lock}", chain_id
    )
    return None if row is None else _chain(row)


async def chain_of_subject(
    conn: asyncpg.Connection, *, college: str, chain: str, subject_id: str
) -> Chain | None:
    row = await conn.fetchrow(
        f"SELECT {_CHAIN_COLUMNS} FROM escalation_chains"
        " WHERE college = $1 AND chain = $2 AND subject_id = $3 FOR UPDATE",
        college,
        chain,
        subject_id,
    )
    return None if row is None else _chain(row)


async def chains_of_college(
    conn: asyncpg.Connection,
    *,
    college: str,
    status: str | None,
    limit: int,
    offset: int,
) -> list[Chain]:
    rows = await conn.fetch(
        f"SELECT {_CHAIN_COLUMNS} FROM escalation_chains WHERE college = $1"
        " AND ($2::text IS NULL OR status = $2)"
        " ORDER BY started_at DESC, chain_id LIMIT $3 OFFSET $4",
        college,
        status,
        limit,
        offset,
    )
    return [_chain(row) for row in rows]


async def advance(
    conn: asyncpg.Connection, *, chain_id: UUID, step: int, next_step_at: datetime | None
) -> None:
    await conn.execute(
        "UPDATE escalation_chains SET step = $2, next_step_at = $3 WHERE chain_id = $1",
        chain_id,
        step,
        next_step_at,
    )


async def close(
    conn: asyncpg.Connection, *, chain_id: UUID, status: str, by: str | None, now: datetime
) -> None:
    await conn.execute(
        "UPDATE escalation_chains SET status = $2, closed_by = $3, closed_at = $4,"
        " next_step_at = NULL WHERE chain_id = $1",
        chain_id,
        status,
        by,
        now,
    )


async def record_step(
    conn: asyncpg.Connection,
    *,
    chain_id: UUID,
    step: int,
    role: str,
    recipient_ids: Sequence[str],
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO escalation_steps (chain_id, step, role, recipient_ids, reached_at)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        chain_id,
        step,
        role,
        list(recipient_ids),
        now,
    )


async def steps(conn: asyncpg.Connection, *, chain_id: UUID) -> list[StepReached]:
    rows = await conn.fetch(
        "SELECT step, role, recipient_ids, reached_at FROM escalation_steps"
        " WHERE chain_id = $1 ORDER BY step",
        chain_id,
    )
    return [
        StepReached(
            step=row["step"],
            role=row["role"],
            recipient_ids=list(row["recipient_ids"]),
            reached_at=row["reached_at"],
        )
        for row in rows
    ]


async def record_acknowledgement(
    conn: asyncpg.Connection,
    *,
    chain_id: UUID,
    person_id: str,
    step: int,
    via: str,
    now: datetime,
) -> bool:
    """False when the person had acknowledged already (nothing changes)."""
    status = await conn.execute(
        "INSERT INTO escalation_acknowledgements (chain_id, person_id, step, via,"
        " acknowledged_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        chain_id,
        person_id,
        step,
        via,
        now,
    )
    return status != "INSERT 0 0"


async def acknowledgements(conn: asyncpg.Connection, *, chain_id: UUID) -> list[Acknowledgement]:
    rows = await conn.fetch(
        "SELECT person_id, step, via, acknowledged_at FROM escalation_acknowledgements"
        " WHERE chain_id = $1 ORDER BY acknowledged_at, person_id",
        chain_id,
    )
    return [Acknowledgement(**dict(row)) for row in rows]
