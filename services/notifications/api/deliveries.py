"""Delivery tracking: a person sees their own messages and how each went; a college's
admins see any message of the college with every delivery and attempt."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from services.notifications.api.common import COLLEGE, ME, Admin
from services.notifications.schemas.deliveries import (
    DeliveryView,
    MessagePage,
    MessageRecord,
    MessageView,
)
from services.notifications.service import messages as service
from services.notifications.service.messages import MessageWithPath
from shared.web.auth import CurrentPrincipal
from shared.web.dependencies import College, Paged, ReadOnly
from shared.web.problems import Problem

router = APIRouter(tags=["deliveries"])


def _record(found: MessageWithPath) -> MessageRecord:
    return MessageRecord(
        **MessageView.model_validate(found.message).model_dump(),
        deliveries=[DeliveryView.model_validate(d) for d in found.deliveries],
    )


@router.get(f"{ME}/messages", summary="My messages, newest first, with how each went")
async def my_messages(principal: CurrentPrincipal, conn: ReadOnly, page: Paged) -> MessagePage:
    if principal.college is None:
        raise Problem.forbidden("notifications belong to a person of a college")
    found = await service.messages_of(
        conn,
        college=principal.college,
        person_id=principal.user_id,
        limit=page.limit,
        offset=page.offset,
    )
    return MessagePage(items=[_record(m) for m in found], limit=page.limit, offset=page.offset)


@router.get(f"{COLLEGE}/messages/{{message_id}}", summary="A message: its path and attempts")
async def message_record(
    college: College, message_id: UUID, admin: Admin, conn: ReadOnly
) -> MessageRecord:
    return _record(await service.message_record(conn, college=college, message_id=message_id))
