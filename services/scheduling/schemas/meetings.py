"""Meetings, leave, attendance and sanctions, as the API takes and shows them."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.scheduling.domain.attendance import MeetingWithPeople
from services.scheduling.domain.meetings import (
    MeetingPlan,
    Organisation,
    SeriesPlan,
    SeriesRule,
)
from shared.events.scheduling import Attendance, OrganisationKind
from shared.web.fields import AwareDateTime, Identifier, Line, SaneDate, StrictInt, Text

Title = Annotated[Line, Field(min_length=1, max_length=200)]
Place = Annotated[Line, Field(max_length=200)]
Agenda = Annotated[Text, Field(max_length=4000)]
Term = Annotated[Identifier, Field(max_length=32, examples=["2026-autumn"])]
Reason = Annotated[Line, Field(min_length=1, max_length=200)]
WallClock = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["19:00"])]


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _MeetingFields(_Form):
    organisation_kind: OrganisationKind
    organisation_id: Identifier
    title: Title
    agenda: Agenda = ""
    place: Place = ""
    term: Term

    def plan(self) -> MeetingPlan:
        return MeetingPlan(
            organisation=Organisation(kind=self.organisation_kind, id=self.organisation_id),
            title=self.title,
            agenda=self.agenda,
            place=self.place,
            term=self.term,
        )


class MeetingForm(_MeetingFields):
    starts_at: AwareDateTime
    ends_at: AwareDateTime


class SeriesForm(_MeetingFields):
    """`rule`: weekly, every_two_weeks (the presidium / department-head meeting) or
    twice_a_month (the first and third `weekday` of each month); `weekday` 1 = Monday;
    `at`: campus wall-clock time (Asia/Shanghai)."""

    rule: SeriesRule
    weekday: Annotated[StrictInt, Field(ge=1, le=7)]
    at: WallClock
    duration_min: Annotated[StrictInt, Field(ge=10, le=720)]
    first_day: SaneDate
    last_day: SaneDate

    def series(self) -> SeriesPlan:
        hours, minutes = (int(part) for part in self.at.split(":"))
        return SeriesPlan(
            rule=self.rule,
            weekday=self.weekday,
            at=time(hours, minutes),
            length=timedelta(minutes=self.duration_min),
            first_day=self.first_day,
            last_day=self.last_day,
        )


class CancelForm(_Form):
    reason: Reason


class MeetingView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    meeting_id: UUID
    organisation_kind: str
    organisation_id: str
    title: str
    agenda: str
    place: str
    starts_at: datetime
    ends_at: datetime
    term: str
    status: str
    version: int
    series_id: UUID | None
    cancel_reason: str | None


class MeetingPage(BaseModel):
    items: list[MeetingView]
    limit: int
    offset: int


class SeriesView(BaseModel):
    series_id: UUID | None
    meetings: list[MeetingView]


class AttendeeView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    person_id: str
    member: bool  # a current member of the meeting's organisation
    attendance: str | None  # None: not taken yet
    leave_status: str | None
    leave_id: UUID | None


class MeetingDetail(MeetingView):
    people: list[AttendeeView]

    @classmethod
    def of_people(cls, found: MeetingWithPeople) -> MeetingDetail:
        return cls(
            **MeetingView.model_validate(found.meeting).model_dump(),
            people=[AttendeeView.model_validate(p) for p in found.people],
        )


class MonthView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    month: str
    meetings: int
    whole: bool
    enough: bool


class CoverageView(BaseModel):
    organisation_kind: str
    organisation_id: str
    minimum_per_month: int
    months: list[MonthView]
    short_months: list[str]


# --- leave ----------------------------------------------------------------------------------


class LeaveForm(_Form):
    """One meeting (`meeting_id`), or a period of an organisation's meetings."""

    reason: Reason
    meeting_id: UUID | None = None
    organisation_kind: OrganisationKind | None = None
    organisation_id: Identifier | None = None
    starts_at: AwareDateTime | None = None
    ends_at: AwareDateTime | None = None


class DecisionForm(_Form):
    decision: Literal["granted", "refused"]
    note: Annotated[Line, Field(max_length=500)] = ""


class LeaveView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    leave_id: UUID
    person_id: str
    organisation_kind: str
    organisation_id: str
    meeting_id: UUID | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    retroactive: bool
    status: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str


class LeavePage(BaseModel):
    items: list[LeaveView]
    limit: int
    offset: int


# --- attendance and sanctions ---------------------------------------------------------------


class MarkForm(_Form):
    person_id: Identifier
    attendance: Attendance


AttendanceSheet = Annotated[list[MarkForm], Field(min_length=1, max_length=500)]


class AttendanceView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    meeting_id: UUID
    person_id: str
    attendance: str
    leave_id: UUID | None
    recorded_by: str
    recorded_at: datetime


class SanctionView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sanction_id: UUID
    person_id: str
    organisation_kind: str
    organisation_id: str
    term: str
    rule: str
    sanction: str
    reason: str
    meeting_id: UUID | None
    imposed_at: datetime


class SanctionPage(BaseModel):
    items: list[SanctionView]
    limit: int
    offset: int


class AttendanceTakenView(BaseModel):
    meeting_id: UUID
    records: list[AttendanceView]
    changed: int  # records new or different: each sent as AttendanceRecorded
    sanctions: list[SanctionView]  # imposed by this attendance


class RotaRepairedView(BaseModel):
    """A published duty rota repaired because the leave frees the member's seats."""

    rota_id: UUID
    freed: int  # the member's seats within the leave
    changes: int  # seats that passed to others or were cancelled


class LeaveDecidedView(BaseModel):
    leave: LeaveView
    excused: list[AttendanceView]  # absences recorded unexcused that this leave excused
    sanctions: list[SanctionView]
    rotas_repaired: list[RotaRepairedView]
