"""Swaps decided by the department head and open shifts taken by eligible members: their
records and the state rules each step checks (the hard rules are `rotas.check_swap` and
`rotas.may_take`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal
from uuid import UUID

from services.scheduling.domain.rules import RuleBroken

SwapStatus = Literal["requested", "approved", "refused", "void"]
SwapDecision = Literal["approved", "refused"]
OfferStatus = Literal["open", "taken", "void"]


@dataclass(frozen=True)
class Swap:
    college: str
    swap_id: UUID
    rota_id: UUID
    requester_id: str
    requester_shift_id: UUID
    partner_id: str
    partner_shift_id: UUID
    status: SwapStatus
    requested_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str = ""


@dataclass(frozen=True)
class Offer:
    college: str
    offer_id: UUID
    rota_id: UUID
    shift_id: UUID
    person_id: str
    eligible: tuple[str, ...]
    status: OfferStatus
    offered_at: datetime
    taken_by: str | None = None
    taken_at: datetime | None = None


def ensure_pending(swap: Swap) -> None:
    if swap.status != "requested":
        raise RuleBroken(
            "swap_pending",
            field="decision",
            message=f"swap {swap.swap_id} is {swap.status} already",
        )


def decided(swap: Swap, *, decision: SwapDecision, by: str, reason: str, now: datetime) -> Swap:
    ensure_pending(swap)
    return replace(swap, status=decision, decided_by=by, decided_at=now, reason=reason)


def ensure_open(offer: Offer) -> None:
    if offer.status == "taken":
        raise RuleBroken(
            "offer_open",
            field="offer_id",
            message=f"offer {offer.offer_id} was taken by {offer.taken_by} already",
        )
    if offer.status != "open":
        raise RuleBroken(
            "offer_open",
            field="offer_id",
            message=f"offer {offer.offer_id} no longer stands: the seat changed meanwhile",
        )


def ensure_eligible(offer: Offer, taker: str) -> None:
    if taker == offer.person_id:
        raise RuleBroken(
            "take_own_offer",
            field="offer_id",
            message="the member who offered the shift cannot take it",
        )
    if taker not in offer.eligible:
        raise RuleBroken(
            "eligible_taker",
            field="offer_id",
            message=f"{taker} is not among the members eligible for this shift",
        )


def taken(offer: Offer, *, by: str, now: datetime) -> Offer:
    ensure_open(offer)
    ensure_eligible(offer, by)
    return replace(offer, status="taken", taken_by=by, taken_at=now)


def ensure_someone_eligible(eligible: list[str], shift_id: UUID) -> None:
    if not eligible:
        raise RuleBroken(
            "eligible_taker",
            field="shift_id",
            message=f"nobody may take shift {shift_id} without breaking a hard rule",
        )
