"""Rotas as the API takes and shows them: drafts, published shifts and seats per member,
repairs, swaps, open shifts, the audit log."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, Self, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from services.scheduling.domain.rotas import DatedShift, Rota
from services.scheduling.service.rota_repairs import RepairReport
from shared.paging import Paging
from shared.web.fields import AwareDateTime, Identifier, Line

FORM = ConfigDict(extra="forbid", str_strip_whitespace=True)
VIEW = ConfigDict(from_attributes=True)
ItemT = TypeVar("ItemT")
Reason = Annotated[Line, Field(min_length=1, max_length=200)]


class Page(BaseModel, Generic[ItemT]):
    """A page of a listing; subclass it per item view to keep the name."""

    items: list[ItemT]
    limit: int
    offset: int

    @classmethod
    def listing(cls, items: Iterable[object], paging: Paging) -> Self:
        """The page of these domain objects (each item view reads them by attribute)."""
        return cls.model_validate(
            {"items": list(items), "limit": paging.limit, "offset": paging.offset}
        )


class DraftForm(BaseModel):
    """A draft from a done rota solve job."""

    model_config = FORM

    job_id: UUID
    name: Annotated[Line, Field(min_length=1, max_length=200)]


class RepairForm(BaseModel):
    """The member holds no seat from `from` (until `until`; for good without it)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    person_id: Identifier
    reason: Reason
    from_: AwareDateTime = Field(alias="from")
    until: AwareDateTime | None = None

    @field_validator("until")
    @classmethod
    def _after_from(cls, until: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("from_")  # absent when `from` itself was refused
        if until is not None and start is not None and until <= start:
            raise PydanticCustomError("until_not_after_from", "until must be after from")
        return until


class SwapForm(BaseModel):
    """The requester (the caller) gives their seat on `requester_shift_id` for the
    partner's seat on `partner_shift_id`."""

    model_config = FORM

    requester_shift_id: UUID
    partner_id: Identifier
    partner_shift_id: UUID


class DecisionForm(BaseModel):
    model_config = FORM

    decision: Literal["approved", "refused"]
    reason: Annotated[Line, Field(max_length=500)] = ""


class ShiftView(BaseModel):
    model_config = VIEW

    shift_id: UUID
    rota_id: UUID
    day: date
    shift_type: str
    post: str
    place: str
    starts_at: datetime
    ends_at: datetime
    seats: int
    holders: list[str]


class MemberShiftsView(BaseModel):
    person_id: str
    shifts: list[UUID]
    minutes: int


class RotaView(BaseModel):
    model_config = VIEW

    rota_id: UUID
    name: str
    status: str
    starts_on: date
    ends_on: date
    job_id: UUID | None
    created_by: str
    created_at: datetime
    published_at: datetime | None
    published_by: str | None


class RotaDetailView(RotaView):
    shifts: list[ShiftView]
    members: list[MemberShiftsView]

    @classmethod
    def of(cls, rota: Rota, shifts: Sequence[DatedShift]) -> Self:
        per_member: dict[str, list[DatedShift]] = {}
        for shift in shifts:
            for holder in shift.holders:
                per_member.setdefault(holder, []).append(shift)
        members = [
            MemberShiftsView(
                person_id=person,
                shifts=[s.shift_id for s in mine],
                minutes=sum(s.minutes for s in mine),
            )
            for person, mine in sorted(per_member.items())
        ]
        return cls.model_validate(
            {
                **RotaView.model_validate(rota).model_dump(),
                "shifts": [ShiftView.model_validate(s) for s in shifts],
                "members": members,
            }
        )


class RotaPage(Page[RotaView]):
    pass


class ShiftPage(Page[ShiftView]):
    pass


class SeatChangeView(BaseModel):
    shift_id: UUID
    from_person_id: str
    to_person_id: str | None  # None: the seat was cancelled


class RepairView(BaseModel):
    rota_id: UUID
    person_id: str
    kind: str
    freed: int
    reassigned: int
    cancelled: int
    changes: list[SeatChangeView]
    method: str
    wall_s: float

    @classmethod
    def of(cls, report: RepairReport) -> Self:
        changes = [
            SeatChangeView(
                shift_id=shift_id, from_person_id=c.from_person, to_person_id=c.to_person
            )
            for shift_id, c in report.changes
        ]
        return cls(
            rota_id=report.rota_id,
            person_id=report.person_id,
            kind=report.kind,
            freed=report.freed,
            reassigned=sum(1 for c in changes if c.to_person_id is not None),
            cancelled=sum(1 for c in changes if c.to_person_id is None),
            changes=changes,
            method=report.method,
            wall_s=round(report.wall_s, 3),
        )


class SwapView(BaseModel):
    model_config = VIEW

    swap_id: UUID
    rota_id: UUID
    requester_id: str
    requester_shift_id: UUID
    partner_id: str
    partner_shift_id: UUID
    status: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str


class SwapPage(Page[SwapView]):
    pass


class OfferView(BaseModel):
    model_config = VIEW

    offer_id: UUID
    rota_id: UUID
    shift_id: UUID
    person_id: str
    eligible: list[str]
    status: str
    offered_at: datetime
    taken_by: str | None
    taken_at: datetime | None


class OfferPage(Page[OfferView]):
    pass


class AuditView(BaseModel):
    model_config = VIEW

    id: int
    at: datetime
    actor_id: str
    action: str
    shift_id: UUID | None
    details: dict[str, Any]


class AuditPage(Page[AuditView]):
    pass
