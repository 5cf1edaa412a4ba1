"""Personal calendar feeds: a secret, revocable iCalendar URL with one's shifts, lessons,
meetings and activities. The .ics URL takes no bearer token: the token in it is the
secret; any token that is not a live feed's (unknown, rotated away, revoked, malformed)
is 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from services.scheduling.api.common import PREFIX, College, Member
from services.scheduling.schemas.feeds import TOKEN_MAX_LENGTH, FeedView
from services.scheduling.service import feeds as service
from services.scheduling.service.feeds import IssuedFeed
from shared.web.dependencies import Now, ShownOnce, Transaction

router = APIRouter(prefix=PREFIX, tags=["calendar feeds"])
MY_FEED = "/colleges/{college}/me/calendar-feed"
CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _view(request: Request, issued: IssuedFeed) -> FeedView:
    url = str(request.url_for("calendar_feed", token=issued.token))
    return FeedView(
        url=url,
        webcal_url="webcal://" + url.split("://", 1)[1],
        created_at=issued.feed.created_at,
        rotated_at=issued.feed.rotated_at,
    )


@router.post(
    MY_FEED,
    status_code=status.HTTP_201_CREATED,
    summary="Issue my personal calendar URL",
    dependencies=[ShownOnce],
)
async def create_feed(
    college: College, member: Member, conn: Transaction, now: Now, request: Request
) -> FeedView:
    issued = await service.create_feed(conn, college=college, person_id=member.user_id, now=now)
    return _view(request, issued)


@router.post(
    f"{MY_FEED}/rotate",
    summary="A new secret URL; the old one stops working",
    dependencies=[ShownOnce],
)
async def rotate_feed(
    college: College, member: Member, conn: Transaction, now: Now, request: Request
) -> FeedView:
    issued = await service.rotate_feed(conn, college=college, person_id=member.user_id, now=now)
    return _view(request, issued)


@router.delete(MY_FEED, status_code=status.HTTP_204_NO_CONTENT, summary="Revoke my calendar URL")
async def revoke_feed(college: College, member: Member, conn: Transaction, now: Now) -> Response:
    await service.revoke_feed(conn, college=college, person_id=member.user_id, now=now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/feeds/{token}.ics",
    name="calendar_feed",
    summary="The calendar behind a secret feed URL (RFC 5545)",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, 404: {"description": "unknown or revoked"}},
)
async def calendar_feed(
    token: Annotated[str, Path(max_length=TOKEN_MAX_LENGTH)], conn: Transaction, now: Now
) -> Response:
    body = await service.calendar_of(conn, token=token, now=now)
    return Response(
        content=body,
        media_type=CALENDAR_TYPE,
        headers={
            "Cache-Control": "private, no-cache",
            "Content-Disposition": "inline; filename=calendar.ics",
        },
    )
