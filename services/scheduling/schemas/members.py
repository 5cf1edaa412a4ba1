"""The member pool and availability as the API shows and takes them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from services.scheduling.domain.availability import MAX_WEEKLY_SLOTS, BusySlot
from shared.paging import Paging
from shared.web.fields import AwareDateTime, Line, StrictInt

# An instant as the API answers it: in UTC, whatever zone it was computed in.
InUtc = Annotated[datetime, AfterValidator(lambda value: value.astimezone(UTC))]
# A campus wall-clock time, "HH:MM" (00:00 to 23:59).
ClockTime = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class MembershipView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    membership_id: UUID
    organisation_kind: str
    organisation_id: str
    role: str
    started_at: datetime
    ended_at: datetime | None
    current: bool


class TimetableView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    source: Literal["ics", "weekly"]
    file_name: str
    weekly_slots: int = Field(description="How many weekly busy slots (source weekly)")
    classes: int = Field(description="How many dated classes the .ics expanded into")
    horizon_starts_at: datetime | None
    horizon_ends_at: datetime | None
    uploaded_by: str
    uploaded_at: datetime


class MemberView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    college: str
    person_id: str
    skills: list[str]
    enrolled_at: datetime | None
    memberships: list[MembershipView]
    timetable: TimetableView | None


class MemberPage(BaseModel):
    items: list[MemberView]
    limit: int
    offset: int

    @classmethod
    def listing(cls, items: Iterable[object], paging: Paging) -> MemberPage:
        return cls.model_validate(
            {"items": list(items), "limit": paging.limit, "offset": paging.offset}
        )


class BusySlotForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weekday: Annotated[StrictInt, Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")]
    start: ClockTime
    end: ClockTime

    def to_domain(self) -> BusySlot:
        return BusySlot(self.weekday, time.fromisoformat(self.start), time.fromisoformat(self.end))


class WeeklySlotsForm(BaseModel):
    """A class timetable typed in as weekly busy slots (campus wall time)."""

    model_config = ConfigDict(extra="forbid")

    slots: list[BusySlotForm] = Field(max_length=MAX_WEEKLY_SLOTS)


class UnavailabilityForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    starts_at: AwareDateTime
    ends_at: AwareDateTime
    reason: Annotated[Line, Field(max_length=200)] = ""


class UnavailabilityView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    unavailability_id: UUID
    person_id: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    declared_by: str
    declared_at: datetime


class BusyPeriodView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    starts_at: InUtc
    ends_at: InUtc
    why: Literal["class", "weekly", "unavailable", "leave"]
    label: str
    ref: UUID | None = Field(description="The unavailability's or the leave's id")


class AvailabilityView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    person_id: str
    first_day: date
    last_day: date
    busy: list[BusyPeriodView]
    timetable: TimetableView | None
