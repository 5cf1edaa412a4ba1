"""Duty rotas (值班): drafts from solve jobs, publishing, repair, swaps decided by the
department head, open shifts, the audit log."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, status

from services.scheduling.api.common import (
    PREFIX,
    STAFF,
    College,
    Member,
    Officer,
    Paged,
    Pool,
    Settings,
)
from services.scheduling.schemas.rotas import (
    AuditPage,
    DecisionForm,
    DraftForm,
    OfferPage,
    OfferView,
    RepairForm,
    RepairView,
    RotaDetailView,
    RotaPage,
    ShiftPage,
    SwapForm,
    SwapPage,
    SwapView,
)
from services.scheduling.service import open_shifts, swaps
from services.scheduling.service import rotas as service
from shared.web.auth import Principal
from shared.web.dependencies import ACQUIRE_TIMEOUT_S, Idempotency, Now, ReadOnly, Transaction
from shared.web.fields import IDENTIFIER_PATTERN
from shared.web.idempotency import keyed_transaction
from shared.web.problems import Problem

router = APIRouter(prefix=PREFIX, tags=["rotas"])
COLLEGE = "/colleges/{college}"
PersonId = Annotated[str, Path(pattern=IDENTIFIER_PATTERN, max_length=64)]


def _is_staff(principal: Principal) -> bool:
    return principal.has_any(*STAFF)


@router.post(
    f"{COLLEGE}/rotas",
    status_code=status.HTTP_201_CREATED,
    summary="Draft a rota from a done rota solve job (its assignments re-checked)",
)
async def draft_rota(
    college: College, form: DraftForm, officer: Officer, conn: Transaction, now: Now
) -> RotaDetailView:
    rota = await service.draft_rota(
        conn,
        college=college,
        job_id=form.job_id,
        name=form.name,
        created_by=officer.user_id,
        now=now,
    )
    detail = await service.rota_detail(
        conn, college=college, rota_id=rota.rota_id, drafts_visible=True
    )
    return RotaDetailView.of(detail.rota, detail.shifts)


@router.get(f"{COLLEGE}/rotas", summary="Rotas of the college (drafts for staff only)")
async def list_rotas(college: College, member: Member, conn: ReadOnly, paging: Paged) -> RotaPage:
    rotas = await service.rotas_of(
        conn, college=college, drafts_visible=_is_staff(member), paging=paging
    )
    return RotaPage.listing(rotas, paging)


@router.get(
    f"{COLLEGE}/rotas/{{rota_id}}",
    summary="A rota with its dated shifts, their seats, and each member's shifts",
)
async def read_rota(
    college: College, rota_id: UUID, member: Member, conn: ReadOnly
) -> RotaDetailView:
    detail = await service.rota_detail(
        conn, college=college, rota_id=rota_id, drafts_visible=_is_staff(member)
    )
    return RotaDetailView.of(detail.rota, detail.shifts)


@router.post(
    f"{COLLEGE}/rotas/{{rota_id}}/publish",
    summary="Publish a draft: its shifts and pinned seats, RotaPublished and ShiftAssigned",
)
async def publish_rota(
    college: College,
    rota_id: UUID,
    officer: Officer,
    conn: Transaction,
    now: Now,
    settings: Settings,
) -> RotaDetailView:
    detail = await service.publish_rota(
        conn,
        college=college,
        rota_id=rota_id,
        published_by=officer.user_id,
        now=now,
        grace_min=settings.checkin_grace_min,
    )
    return RotaDetailView.of(detail.rota, detail.shifts)


@router.post(
    f"{COLLEGE}/rotas/{{rota_id}}/repair",
    summary="A member withdraws (or is away until `until`): their upcoming seats pass to "
    "members who may take them, or are cancelled; every other seat is kept",
)
async def repair_rota(
    college: College,
    rota_id: UUID,
    form: RepairForm,
    officer: Officer,
    conn: Transaction,
    now: Now,
    settings: Settings,
) -> RepairView:
    report = await service.repair(
        conn,
        college=college,
        rota_id=rota_id,
        person_id=form.person_id,
        kind="withdrawal" if form.until is None else "leave",
        starts_at=form.from_,
        ends_at=form.until,
        reason=form.reason,
        actor_id=officer.user_id,
        now=now,
        time_limit_s=settings.repair_time_limit_s,
        workers=settings.solve_workers,
        grace_min=settings.checkin_grace_min,
    )
    return RepairView.of(report)


@router.get(f"{COLLEGE}/rotas/{{rota_id}}/audit", summary="Every step taken on a rota")
async def rota_audit(
    college: College, rota_id: UUID, officer: Officer, conn: ReadOnly, paging: Paged
) -> AuditPage:
    entries = await service.audit_of(conn, college=college, rota_id=rota_id, paging=paging)
    return AuditPage.listing(entries, paging)


@router.get(
    f"{COLLEGE}/members/{{person_id}}/shifts",
    summary="A member's shifts on published rotas (a student reads only their own)",
)
async def member_shifts(
    college: College,
    person_id: PersonId,
    member: Member,
    conn: ReadOnly,
    paging: Paged,
    now: Now,
    upcoming: Annotated[bool, Query(description="only shifts not over yet")] = False,
) -> ShiftPage:
    if not _is_staff(member) and member.user_id != person_id:
        raise Problem.forbidden("a member reads only their own shifts")
    shifts = await service.shifts_of_member(
        conn,
        college=college,
        person_id=person_id,
        ending_after=now if upcoming else None,
        paging=paging,
    )
    return ShiftPage.listing(shifts, paging)


# --- swaps ------------------------------------------------------------------------------------


@router.post(
    f"{COLLEGE}/swaps",
    status_code=status.HTTP_201_CREATED,
    summary="Ask to swap one's seat with another member's (the department head decides)",
)
async def request_swap(
    college: College, form: SwapForm, member: Member, conn: Transaction, now: Now
) -> SwapView:
    swap = await swaps.request_swap(
        conn,
        college=college,
        requester_id=member.user_id,
        requester_shift_id=form.requester_shift_id,
        partner_id=form.partner_id,
        partner_shift_id=form.partner_shift_id,
        now=now,
    )
    return SwapView.model_validate(swap)


@router.post(
    f"{COLLEGE}/swaps/{{swap_id}}/decision",
    summary="Approve or refuse a swap; an approval that breaks a hard rule is refused (409 "
    "naming the rule) and recorded as refused",
)
async def decide_swap(
    college: College,
    swap_id: UUID,
    form: DecisionForm,
    officer: Officer,
    pool: Pool,
    now: Now,
    settings: Settings,
    claim: Idempotency,
) -> SwapView:
    # Our own transaction: a refusal by rule is committed (audited, SwapDecided) before
    # the 409 that names the rule is answered (and kept as the answer to its key).
    async with (
        pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn,
        keyed_transaction(conn, claim),
    ):
        outcome = await swaps.decide_swap(
            conn,
            college=college,
            swap_id=swap_id,
            decision=form.decision,
            reason=form.reason,
            decided_by=officer.user_id,
            now=now,
            grace_min=settings.checkin_grace_min,
        )
    if outcome.refused_by is not None:
        raise outcome.refused_by
    return SwapView.model_validate(outcome.swap)


@router.get(
    f"{COLLEGE}/rotas/{{rota_id}}/swaps",
    summary="Swaps of a rota, newest first (a student sees the ones they are part of)",
)
async def list_swaps(
    college: College, rota_id: UUID, member: Member, conn: ReadOnly, paging: Paged
) -> SwapPage:
    found = await swaps.swaps_of(
        conn,
        college=college,
        rota_id=rota_id,
        person_id=None if _is_staff(member) else member.user_id,
        paging=paging,
    )
    return SwapPage.listing(found, paging)


# --- open shifts ------------------------------------------------------------------------------


@router.post(
    f"{COLLEGE}/shifts/{{shift_id}}/offer",
    status_code=status.HTTP_201_CREATED,
    summary="Offer one's seat to the members who may take it (an open shift)",
)
async def offer_shift(
    college: College, shift_id: UUID, member: Member, conn: Transaction, now: Now
) -> OfferView:
    offer = await open_shifts.offer_shift(
        conn, college=college, shift_id=shift_id, person_id=member.user_id, now=now
    )
    return OfferView.model_validate(offer)


@router.post(
    f"{COLLEGE}/offers/{{offer_id}}/take",
    summary="Take an open shift: the first eligible taker wins, the next gets 409",
)
async def take_offer(
    college: College,
    offer_id: UUID,
    member: Member,
    conn: Transaction,
    now: Now,
    settings: Settings,
) -> OfferView:
    offer = await open_shifts.take_offer(
        conn,
        college=college,
        offer_id=offer_id,
        taker=member.user_id,
        now=now,
        grace_min=settings.checkin_grace_min,
    )
    return OfferView.model_validate(offer)


@router.get(f"{COLLEGE}/rotas/{{rota_id}}/offers", summary="Open shifts of a rota, newest first")
async def list_offers(
    college: College,
    rota_id: UUID,
    member: Member,
    conn: ReadOnly,
    paging: Paged,
    open_only: Annotated[bool, Query(alias="open")] = True,
) -> OfferPage:
    offers = await open_shifts.offers_of(
        conn, college=college, rota_id=rota_id, open_only=open_only, paging=paging
    )
    return OfferPage.listing(offers, paging)
