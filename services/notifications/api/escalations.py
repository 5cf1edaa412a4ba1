"""Escalation chains: a college's chains (staff), acknowledging one (someone the chain
told), a college's step waits (admins), and the signed acknowledgement link put in each
step's message (no login: the link is the proof; GET shows what it acknowledges, POST
acknowledges; a forged, malformed or expired link is refused with 403/400/410)."""

from __future__ import annotations

from html import escape
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from services.notifications.api.common import COLLEGE, PREFIX, Admin, College, Staff
from services.notifications.domain.escalations import BadToken, ChainName, ChainStatus
from services.notifications.schemas.escalations import (
    AckLinkView,
    ChainPage,
    ChainView,
    PolicyBody,
    PolicyView,
)
from services.notifications.service import escalations as service
from shared.web.dependencies import Now, Paged, ReadOnly, Transaction
from shared.web.problems import Problem

router = APIRouter(tags=["escalations"])

TokenPath = Annotated[str, Path(min_length=10, max_length=1000, pattern=r"^[A-Za-z0-9_\-.]+$")]


def _view(found: service.ChainView) -> ChainView:
    chain = found.chain
    return ChainView.model_validate(
        {
            **chain.__dict__,
            "steps": [s.__dict__ for s in found.steps],
            "acknowledgements": [a.__dict__ for a in found.acknowledgements],
        }
    )


# What a link that is not good is answered (the link itself is the credential).
_LINK_REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "The link is not genuine (its signature does not verify)"},
    410: {"description": "The link has expired"},
}


def _refused(error: BadToken) -> Problem:
    if error.reason == "expired":
        return Problem(410, "Gone", "this acknowledgement link has expired")
    if error.reason == "forged":
        return Problem.forbidden("this acknowledgement link is not genuine")
    return Problem(400, "Bad Request", "this is no acknowledgement link")


@router.get(f"{COLLEGE}/escalations", summary="The college's escalation chains, newest first")
async def list_chains(
    college: College,
    staff: Staff,
    conn: ReadOnly,
    paging: Paged,
    status: ChainStatus | None = None,
) -> ChainPage:
    found = await service.list_chains(conn, college=college, status=status, paging=paging)
    return ChainPage(items=[_view(c) for c in found], limit=paging.limit, offset=paging.offset)


@router.get(f"{COLLEGE}/escalations/{{chain_id}}", summary="One escalation chain")
async def get_chain(college: College, chain_id: UUID, staff: Staff, conn: ReadOnly) -> ChainView:
    return _view(await service.view_chain(conn, college=college, chain_id=chain_id))


@router.post(
    f"{COLLEGE}/escalations/{{chain_id}}/acknowledge",
    summary="Acknowledge a chain that told me (stops it; again: nothing changes)",
)
async def acknowledge(
    college: College, chain_id: UUID, staff: Staff, conn: Transaction, now: Now
) -> ChainView:
    found = await service.view_chain(conn, college=college, chain_id=chain_id)
    if not any(staff.user_id in s.recipient_ids for s in found.steps):
        raise Problem.forbidden("only someone this chain told may acknowledge it")
    acknowledged = await service.acknowledge(
        conn, college=college, chain_id=chain_id, person_id=staff.user_id, via="api", now=now
    )
    return _view(acknowledged)


@router.get(
    f"{COLLEGE}/escalation-policies/{{chain}}", summary="The college's step waits of a chain"
)
async def get_policy(
    college: College, chain: ChainName, admin: Admin, conn: ReadOnly
) -> PolicyView:
    waits = await service.policy(conn, college=college, chain=chain)
    return PolicyView(chain=chain.value, step_waits_s=waits)


@router.put(
    f"{COLLEGE}/escalation-policies/{{chain}}",
    summary="Set the college's step waits of a chain (chains started afterwards use them)",
)
async def put_policy(
    college: College,
    chain: ChainName,
    body: PolicyBody,
    admin: Admin,
    conn: Transaction,
    now: Now,
) -> PolicyView:
    waits = await service.set_policy(
        conn,
        college=college,
        chain=chain,
        waits_s=body.step_waits_s,
        updated_by=admin.user_id,
        now=now,
    )
    return PolicyView(chain=chain.value, step_waits_s=waits)


@router.get(
    f"{PREFIX}/ack/{{token}}",
    summary="What an acknowledgement link acknowledges (a page with a button for browsers)",
    response_model=AckLinkView,
    responses=_LINK_REFUSALS,
)
async def read_ack_link(
    token: TokenPath, request: Request, conn: ReadOnly, now: Now
) -> AckLinkView | HTMLResponse:
    try:
        claim = service.read_link(token, now=now)
    except BadToken as error:
        raise _refused(error) from error
    found = await service.view_chain(conn, college=claim.college, chain_id=claim.chain_id)
    acknowledged = any(a.person_id == claim.person_id for a in found.acknowledgements)
    view = AckLinkView(
        chain_id=claim.chain_id,
        person_id=claim.person_id,
        step=claim.step,
        acknowledged=acknowledged,
        chain=_view(found),
    )
    if "text/html" not in request.headers.get("accept", ""):
        return view
    state = "已确认 / Acknowledged" if acknowledged else ""
    page = (
        "<!doctype html><html lang='zh-CN'><meta charset='utf-8'>"
        f"<title>确认收到 / Acknowledge</title><h1>{escape(found.chain.title)}</h1>"
        f"<p>{state}</p><form method='post'><button type='submit'>确认收到 / Acknowledge"
        "</button></form></html>"
    )
    return HTMLResponse(page)


@router.post(
    f"{PREFIX}/ack/{{token}}",
    summary="Acknowledge by the link (again: harmless)",
    responses=_LINK_REFUSALS,
)
async def use_ack_link(token: TokenPath, conn: Transaction, now: Now) -> AckLinkView:
    try:
        found = await service.acknowledge_by_link(conn, token=token, now=now)
        claim = service.read_link(token, now=now)
    except BadToken as error:
        raise _refused(error) from error
    return AckLinkView(
        chain_id=claim.chain_id,
        person_id=claim.person_id,
        step=claim.step,
        acknowledged=True,
        chain=_view(found),
    )
