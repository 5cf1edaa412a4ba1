"""The in-app inbox: a person reads and marks their own notices, nobody else's.

Newest first (critical notices are counted apart in the unread count so a client can
flag them; the list keeps one order so paging stays stable)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from services.notifications.api.common import ME
from services.notifications.schemas.notices import MarkedRead, NoticePage, NoticeView, UnreadCount
from services.notifications.service import messages as service
from shared.web.auth import CurrentPrincipal, Principal
from shared.web.dependencies import Now, Paged, ReadOnly, Transaction
from shared.web.problems import Problem

router = APIRouter(tags=["notifications"])


def _college_of(principal: Principal) -> str:
    if principal.college is None:
        raise Problem.forbidden("notifications belong to a person of a college")
    return principal.college


@router.get(ME, summary="My notifications, newest first")
async def my_notices(
    principal: CurrentPrincipal,
    conn: ReadOnly,
    page: Paged,
    unread: Annotated[bool, Query(description="only the unread ones")] = False,
) -> NoticePage:
    notices = await service.inbox(
        conn,
        college=_college_of(principal),
        person_id=principal.user_id,
        limit=page.limit,
        offset=page.offset,
        unread_only=unread,
    )
    return NoticePage(
        items=[NoticeView.model_validate(notice) for notice in notices],
        limit=page.limit,
        offset=page.offset,
    )


@router.get(f"{ME}/unread-count", summary="How many of my notices are unread")
async def my_unread_count(principal: CurrentPrincipal, conn: ReadOnly) -> UnreadCount:
    unread, critical = await service.unread_counts(
        conn, college=_college_of(principal), person_id=principal.user_id
    )
    return UnreadCount(unread=unread, critical=critical)


@router.post(f"{ME}/notices/{{notice_id}}/read", summary="Mark one of my notices read")
async def mark_read(
    notice_id: UUID, principal: CurrentPrincipal, conn: Transaction, now: Now
) -> NoticeView:
    notice = await service.mark_read(
        conn,
        college=_college_of(principal),
        person_id=principal.user_id,
        notice_id=notice_id,
        now=now,
    )
    return NoticeView.model_validate(notice)


@router.post(f"{ME}/notices/read", summary="Mark all my notices read")
async def mark_all_read(principal: CurrentPrincipal, conn: Transaction, now: Now) -> MarkedRead:
    marked = await service.mark_all_read(
        conn, college=_college_of(principal), person_id=principal.user_id, now=now
    )
    return MarkedRead(marked=marked)
