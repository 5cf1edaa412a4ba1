"""The duty desk (值班签到 / 交接): the office screen's page and rotating code, check-ins,
handovers, the duty log of a post, the desk keys that open a screen.

The office screen authenticates with a desk key: an officer issues one per post
(`POST .../desk/{post}/keys`, shown once) and opens `.../desk/{post}?key=KEY` on the
screen; the page's script fetches `.../desk/{post}/code?key=KEY` every rotation. An
officer's bearer token opens both as well. A member's token never gets the code (or a
member could sign in away from the desk).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote, urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.responses import HTMLResponse

from services.scheduling.api.common import PREFIX, STAFF, College, Member, Officer, Paged, Settings
from services.scheduling.api.desk_screen import qr_svg, render_desk_page
from services.scheduling.domain.desk import DeskPolicy
from services.scheduling.domain.desk_code import CodeKey, issue_code
from services.scheduling.schemas.desk import (
    CheckInForm,
    CheckInView,
    CodeView,
    DeskKeyForm,
    DeskKeyView,
    DutyLogPage,
    HandoverForm,
    HandoverView,
    IssuedDeskKeyView,
    ShiftHandoversView,
)
from services.scheduling.service import desk as service
from shared.web.auth import bearer_scheme, current_principal, ensure_college
from shared.web.dependencies import Now, ReadOnly, ShownOnce, Transaction
from shared.web.problems import Problem

router = APIRouter(prefix=PREFIX, tags=["duty desk"])

COLLEGE = "/colleges/{college}"
DESK = f"{COLLEGE}/desk/{{post}}"
PostName = Annotated[
    str, Path(min_length=1, max_length=200, description="A duty post, as the rota names it")
]
DeskKeyText = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=128,
        description="A desk key an officer issued for this post (the office screen's)",
    ),
]


def desk_policy(settings: Settings) -> DeskPolicy:
    return DeskPolicy(
        key=CodeKey(
            secret=settings.desk_code_secret.get_secret_value().encode("utf-8"),
            rotation_s=settings.desk_code_rotation_s,
        ),
        early=timedelta(minutes=settings.checkin_early_min),
    )


Policy = Annotated[DeskPolicy, Depends(desk_policy)]


def desk_reader(*roles: str) -> Callable[..., Awaitable[str]]:
    """Dependency factory: the post's desk key in the query, or a bearer token of one of
    `roles` of the path's college; answers who reads ("desk" for a screen)."""

    async def reader(
        request: Request,
        college: College,
        post: PostName,
        conn: ReadOnly,
        key: DeskKeyText = None,
        _documented: object = Depends(bearer_scheme),
    ) -> str:
        if key is not None:
            if await service.desk_key_opens(conn, college=college, post=post, key=key):
                return "desk"
            raise Problem.unauthorized(
                "the desk key does not open this post's desk (unknown, revoked or of another post)",
                challenge="DeskKey",
            )
        principal = await current_principal(request, None)
        if not principal.has_any(*roles):
            raise Problem.forbidden(
                f"requires a desk key or one of the roles: {', '.join(sorted(roles))}"
            )
        ensure_college(principal, college)
        return principal.user_id

    return reader


Screen = Annotated[str, Depends(desk_reader(*STAFF))]
ScreenOrMember = Annotated[str, Depends(desk_reader("student", *STAFF))]


def _desk_path(college: str, post: str) -> str:
    return f"{PREFIX}/colleges/{college}/desk/{quote(post, safe='')}"


@router.post(
    f"{DESK}/keys",
    status_code=status.HTTP_201_CREATED,
    summary="Issue a desk key that opens the post's desk page on an office screen",
    dependencies=[ShownOnce],
)
async def issue_desk_key(
    college: College,
    post: PostName,
    form: DeskKeyForm,
    principal: Officer,
    conn: Transaction,
    now: Now,
) -> IssuedDeskKeyView:
    key, text = await service.issue_desk_key(
        conn, college=college, post=post, label=form.label, issued_by=principal.user_id, now=now
    )
    page = f"{_desk_path(college, post)}?{urlencode({'key': text})}"
    return IssuedDeskKeyView(**DeskKeyView.of(key).model_dump(), key=text, page=page)


@router.get(f"{DESK}/keys", summary="The post's desk keys (never their secret)")
async def list_desk_keys(
    college: College, post: PostName, principal: Officer, conn: ReadOnly
) -> list[DeskKeyView]:
    return [DeskKeyView.of(k) for k in await service.desk_keys_of(conn, college=college, post=post)]


@router.delete(
    f"{DESK}/keys/{{key_id}}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a desk key: its screen no longer opens the desk",
)
async def revoke_desk_key(
    college: College, post: PostName, key_id: UUID, principal: Officer, conn: Transaction, now: Now
) -> None:
    await service.revoke_desk_key(conn, college=college, post=post, key_id=key_id, now=now)


@router.get(
    DESK,
    response_class=HTMLResponse,
    summary="The duty desk page of a post for the office screen (desk key or officer)",
)
async def desk_page(
    college: College,
    post: PostName,
    reader: Screen,
    conn: ReadOnly,
    policy: Policy,
    now: Now,
    key: DeskKeyText = None,
) -> HTMLResponse:
    screen = await service.desk_screen(
        conn, college=college, post=post, now=now, early=policy.early
    )
    code = issue_code(policy.key, college=college, post=post, now=now)
    code_url = f"{_desk_path(college, post)}/code"
    if key is not None:
        code_url += f"?{urlencode({'key': key})}"
    page, nonce = render_desk_page(
        screen, code=code, code_url=code_url, rotation_s=policy.key.rotation_s, now=now
    )
    return HTMLResponse(
        page,
        headers={
            "Cache-Control": "no-store",
            # The key is in the page's address: never send it on as a referrer.
            "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": (
                f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline';"
                " connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
            ),
        },
    )


@router.get(
    f"{DESK}/code",
    summary="The post's sign-in code now, as text and inline SVG, and when it rotates",
)
async def desk_code(
    college: College,
    post: PostName,
    reader: Screen,
    conn: ReadOnly,
    policy: Policy,
    now: Now,
    response: Response,
) -> CodeView:
    code = issue_code(policy.key, college=college, post=post, now=now)
    screen = await service.desk_screen(
        conn, college=college, post=post, now=now, early=policy.early
    )
    response.headers["Cache-Control"] = "no-store"
    return CodeView(
        post=post,
        code=code.text,
        svg=qr_svg(code.text),
        rotates_at=code.rotates_at,
        rotates_in_s=max(0.0, (code.rotates_at - now).total_seconds()),
        rotation_s=policy.key.rotation_s,
        shift_id=screen.shift.shift_id if screen.shift is not None else None,
    )


@router.get(
    f"{DESK}/handover/latest",
    summary="The handover notes (交接) of the post's latest shift that has any",
)
async def latest_handover(
    college: College, post: PostName, reader: ScreenOrMember, conn: ReadOnly, now: Now
) -> ShiftHandoversView:
    found = await service.latest_handover(conn, college=college, post=post, now=now)
    return ShiftHandoversView.of(found)


@router.post(
    f"{COLLEGE}/check-ins",
    status_code=status.HTTP_201_CREATED,
    summary="Sign in (签到) for one's shift with the code the desk shows",
    responses={200: {"model": CheckInView, "description": "Signed in already: the first check-in"}},
)
async def sign_in(
    college: College,
    form: CheckInForm,
    principal: Member,
    conn: Transaction,
    policy: Policy,
    now: Now,
    response: Response,
) -> CheckInView:
    record, new = await service.sign_in(
        conn,
        college=college,
        person_id=principal.user_id,
        code=form.code,
        shift_id=form.shift_id,
        policy=policy,
        now=now,
    )
    if not new:
        response.status_code = status.HTTP_200_OK
    return CheckInView.of(record)


@router.post(
    f"{COLLEGE}/shifts/{{shift_id}}/handover",
    status_code=status.HTTP_201_CREATED,
    summary="Close a shift with a handover note (交接) for the next shift",
)
async def record_handover(
    college: College,
    shift_id: UUID,
    form: HandoverForm,
    principal: Member,
    conn: Transaction,
    now: Now,
) -> HandoverView:
    record = await service.record_handover(
        conn,
        college=college,
        shift_id=shift_id,
        person_id=principal.user_id,
        on_behalf_of_the_office=principal.has_any(*STAFF),
        note=form.note(),
        now=now,
    )
    return HandoverView.of(record)


@router.get(
    f"{COLLEGE}/posts/{{post}}/log",
    summary="The duty log (值班日志) of a post: sign-ins, no-shows, handovers; newest first",
)
async def duty_log(
    college: College, post: PostName, principal: Officer, conn: ReadOnly, paging: Paged
) -> DutyLogPage:
    entries = await service.duty_log(conn, college=college, post=post, paging=paging)
    return DutyLogPage.listing(entries, paging)
