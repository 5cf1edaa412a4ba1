"""Notifications HTTP API: a person reads their own notices, nobody else's."""

from __future__ import annotations

from fastapi import APIRouter

from services.notifications.schemas.notices import NoticePage, NoticeView
from services.notifications.service import notices as service
from shared.web.auth import CurrentPrincipal
from shared.web.dependencies import Paged, ReadOnly
from shared.web.problems import Problem

router = APIRouter(prefix="/api/notifications", tags=["notifications"])


@router.get("/me", summary="My notifications, newest first")
async def my_notices(principal: CurrentPrincipal, conn: ReadOnly, page: Paged) -> NoticePage:
    if principal.college is None:
        raise Problem.forbidden("notifications belong to a person of a college")
    notices = await service.notices_of(
        conn,
        college=principal.college,
        recipient_id=principal.user_id,
        limit=page.limit,
        offset=page.offset,
    )
    return NoticePage(
        items=[NoticeView.model_validate(notice) for notice in notices],
        limit=page.limit,
        offset=page.offset,
    )
