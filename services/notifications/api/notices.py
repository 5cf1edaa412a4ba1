"""Notifications HTTP API: a person reads their own notices, nobody else's."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Query

from services.notifications.schemas.notices import NoticePage, NoticeView
from services.notifications.service import notices as service
from shared.runtime import pool_of
from shared.web.auth import CurrentPrincipal
from shared.web.problems import Problem

router = APIRouter(prefix="/api/notifications", tags=["notifications"])

Pool = Annotated[asyncpg.Pool, Depends(pool_of)]


@router.get("/me", summary="My notifications, newest first")
async def my_notices(
    principal: CurrentPrincipal,
    pool: Pool,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> NoticePage:
    if principal.college is None:
        raise Problem.forbidden("notifications belong to a person of a college")
    async with pool.acquire() as conn:
        notices = await service.notices_of(
            conn,
            college=principal.college,
            recipient_id=principal.user_id,
            limit=limit,
            offset=offset,
        )
    return NoticePage(
        items=[
            NoticeView(
                id=n.id,
                college=n.college,
                kind=n.kind.value,
                title=n.title,
                body=n.body,
                subject_id=n.subject_id,
                created_at=n.created_at,
            )
            for n in notices
        ],
        limit=limit,
        offset=offset,
    )
