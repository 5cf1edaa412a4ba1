"""What the scheduling repositories share: a college's row by its id, locked on demand."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

import asyncpg

T = TypeVar("T")


async def row_by_id(
    conn: asyncpg.Connection,
    query: str,
    college: str,
    key: UUID,
    *,
    for_update: bool,
    read: Callable[[asyncpg.Record], T],
) -> T | None:
    """The row `query` selects with the parameters ($1 college, $2 key), locked FOR UPDATE
    when asked, read by `read`; None when there is none."""
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(f"{query}{lock}", college, key)
    return None if row is None else read(row)
