"""Meetings (会议), leave (请假), attendance (考勤) and the sanctions it brings."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from services.scheduling.api.common import PREFIX, STAFF, College, Member, Officer, Paged, Settings
from services.scheduling.domain.attendance import SanctionFilter
from services.scheduling.domain.leave import LeaveFilter, LeaveStatus
from services.scheduling.domain.meetings import (
    MIN_DEPARTMENT_MEETINGS_PER_MONTH,
    MeetingFilter,
    MeetingStatus,
    Organisation,
)
from services.scheduling.domain.rules import NotFound
from services.scheduling.schemas.meetings import (
    AttendanceSheet,
    AttendanceTakenView,
    AttendanceView,
    CancelForm,
    CoverageView,
    DecisionForm,
    LeaveDecidedView,
    LeaveForm,
    LeavePage,
    LeaveView,
    MeetingDetail,
    MeetingForm,
    MeetingPage,
    MeetingView,
    MonthView,
    RotaRepairedView,
    SanctionPage,
    SanctionView,
    SeriesForm,
    SeriesView,
)
from services.scheduling.service import attendance as attendance_service
from services.scheduling.service import leave as leave_service
from services.scheduling.service import meetings as service
from services.scheduling.service.leave import LeaveAsked, RepairLimits
from shared.events.scheduling import OrganisationKind
from shared.web.dependencies import Now, ReadOnly, Transaction
from shared.web.fields import AwareDateTime, Identifier, SaneDate

router = APIRouter(prefix=PREFIX, tags=["meetings"])

MEETINGS = "/colleges/{college}/meetings"
LEAVE = "/colleges/{college}/leave"
QueryId = Annotated[Identifier, Query()]


@router.post(MEETINGS, status_code=status.HTTP_201_CREATED, summary="Schedule one meeting")
async def schedule_meeting(
    college: College, form: MeetingForm, officer: Officer, conn: Transaction, now: Now
) -> MeetingView:
    meeting = await service.schedule_meeting(
        conn,
        college=college,
        plan=form.plan(),
        starts_at=form.starts_at,
        ends_at=form.ends_at,
        scheduled_by=officer.user_id,
        now=now,
    )
    return MeetingView.model_validate(meeting)


@router.post(
    f"{MEETINGS}/series",
    status_code=status.HTTP_201_CREATED,
    summary="Schedule a term's meetings by a rule (weekly, every two weeks, twice a month)",
)
async def schedule_series(
    college: College, form: SeriesForm, officer: Officer, conn: Transaction, now: Now
) -> SeriesView:
    meetings = await service.schedule_series(
        conn,
        college=college,
        plan=form.plan(),
        series=form.series(),
        scheduled_by=officer.user_id,
        now=now,
    )
    return SeriesView(
        series_id=meetings[0].series_id, meetings=[MeetingView.model_validate(m) for m in meetings]
    )


@router.get(MEETINGS, summary="Meetings of the college, by organisation, term, status, time")
async def find_meetings(
    college: College,
    member: Member,
    conn: ReadOnly,
    paging: Paged,
    organisation_kind: OrganisationKind | None = None,
    organisation_id: Annotated[Identifier | None, Query()] = None,
    term: Annotated[Identifier | None, Query()] = None,
    meeting_status: Annotated[MeetingStatus | None, Query(alias="status")] = None,
    starts_from: Annotated[AwareDateTime | None, Query()] = None,
    starts_before: Annotated[AwareDateTime | None, Query()] = None,
    series_id: UUID | None = None,
) -> MeetingPage:
    where = MeetingFilter(
        organisation_kind=organisation_kind,
        organisation_id=organisation_id,
        term=term,
        status=meeting_status,
        starts_from=starts_from,
        starts_before=starts_before,
        series_id=series_id,
    )
    found = await service.find_meetings(conn, college=college, where=where, paging=paging)
    return MeetingPage(
        items=[MeetingView.model_validate(m) for m in found],
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get(
    f"{MEETINGS}/coverage",
    summary="Meetings per month of an organisation: departments meet at least twice a month",
)
async def monthly_coverage(
    college: College,
    member: Member,
    conn: ReadOnly,
    organisation_kind: OrganisationKind,
    organisation_id: QueryId,
    first_day: Annotated[SaneDate, Query()],
    last_day: Annotated[SaneDate, Query()],
) -> CoverageView:
    months = await service.monthly_coverage(
        conn,
        college=college,
        organisation=Organisation(kind=organisation_kind, id=organisation_id),
        first_day=first_day,
        last_day=last_day,
    )
    return CoverageView(
        organisation_kind=organisation_kind,
        organisation_id=organisation_id,
        minimum_per_month=MIN_DEPARTMENT_MEETINGS_PER_MONTH,
        months=[MonthView.model_validate(m) for m in months],
        short_months=[m.month for m in months if not m.enough],
    )


@router.get(
    f"{MEETINGS}/{{meeting_id}}",
    summary="A meeting with its people's attendance and leave (a student sees only their own)",
)
async def read_meeting(
    college: College, meeting_id: UUID, member: Member, conn: ReadOnly
) -> MeetingDetail:
    found = await service.meeting_with_people(
        conn,
        college=college,
        meeting_id=meeting_id,
        only_person=None if member.has_any(*STAFF) else member.user_id,
    )
    return MeetingDetail.of_people(found)


@router.post(f"{MEETINGS}/{{meeting_id}}/cancel", summary="Cancel a meeting not yet held")
async def cancel_meeting(
    college: College,
    meeting_id: UUID,
    form: CancelForm,
    officer: Officer,
    conn: Transaction,
    now: Now,
) -> MeetingView:
    meeting = await service.cancel_meeting(
        conn, college=college, meeting_id=meeting_id, reason=form.reason, now=now
    )
    return MeetingView.model_validate(meeting)


@router.post(
    f"{MEETINGS}/{{meeting_id}}/attendance",
    summary="Take attendance (present, late, excused, unexcused); the sanction rules follow",
)
async def take_attendance(
    college: College,
    meeting_id: UUID,
    sheet: AttendanceSheet,
    officer: Officer,
    conn: Transaction,
    now: Now,
) -> AttendanceTakenView:
    taken = await attendance_service.take_attendance(
        conn,
        college=college,
        meeting_id=meeting_id,
        marks=[(mark.person_id, mark.attendance) for mark in sheet],
        recorded_by=officer.user_id,
        now=now,
    )
    return AttendanceTakenView(
        meeting_id=meeting_id,
        records=[AttendanceView.model_validate(r) for r in taken.records],
        changed=taken.changed,
        sanctions=[SanctionView.model_validate(s) for s in taken.sanctions],
    )


# --- leave ----------------------------------------------------------------------------------


@router.post(
    LEAVE,
    status_code=status.HTTP_201_CREATED,
    summary="Ask leave for a meeting or a period: before it, or within 48 h after it",
)
async def request_leave(
    college: College, form: LeaveForm, member: Member, conn: Transaction, now: Now
) -> LeaveView:
    leave = await leave_service.request_leave(
        conn,
        college=college,
        person_id=member.user_id,
        asked=LeaveAsked(
            reason=form.reason,
            meeting_id=form.meeting_id,
            organisation_kind=form.organisation_kind,
            organisation_id=form.organisation_id,
            starts_at=form.starts_at,
            ends_at=form.ends_at,
        ),
        now=now,
    )
    return LeaveView.model_validate(leave)


@router.get(LEAVE, summary="Leave requests (a student sees only their own)")
async def find_leave(
    college: College,
    member: Member,
    conn: ReadOnly,
    paging: Paged,
    person_id: Annotated[Identifier | None, Query()] = None,
    leave_status: Annotated[LeaveStatus | None, Query(alias="status")] = None,
    meeting_id: UUID | None = None,
) -> LeavePage:
    if not member.has_any(*STAFF):
        person_id = member.user_id
    where = LeaveFilter(person_id=person_id, status=leave_status, meeting_id=meeting_id)
    found = await leave_service.find_leave(conn, college=college, where=where, paging=paging)
    return LeavePage(
        items=[LeaveView.model_validate(leave) for leave in found],
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get(f"{LEAVE}/{{leave_id}}", summary="A leave request")
async def read_leave(college: College, leave_id: UUID, member: Member, conn: ReadOnly) -> LeaveView:
    leave = await leave_service.leave_of(conn, college=college, leave_id=leave_id)
    if not member.has_any(*STAFF) and leave.person_id != member.user_id:
        raise NotFound("leave request", leave_id)  # another member's: not theirs to see
    return LeaveView.model_validate(leave)


@router.post(
    f"{LEAVE}/{{leave_id}}/decision",
    summary="The department head grants or refuses leave (granted leave excuses absences)",
)
async def decide_leave(
    college: College,
    leave_id: UUID,
    form: DecisionForm,
    officer: Officer,
    conn: Transaction,
    now: Now,
    settings: Settings,
) -> LeaveDecidedView:
    decided = await leave_service.decide_leave(
        conn,
        college=college,
        leave_id=leave_id,
        decision=form.decision,
        decided_by=officer.user_id,
        note=form.note,
        now=now,
        repair_limits=RepairLimits(
            time_limit_s=settings.repair_time_limit_s, grace_min=settings.checkin_grace_min
        ),
    )
    return LeaveDecidedView(
        leave=LeaveView.model_validate(decided.leave),
        excused=[AttendanceView.model_validate(r) for r in decided.excused],
        sanctions=[SanctionView.model_validate(s) for s in decided.sanctions],
        rotas_repaired=[
            RotaRepairedView(rota_id=r.rota_id, freed=r.freed, changes=len(r.changes))
            for r in decided.rota_repairs
        ],
    )


@router.get("/colleges/{college}/sanctions", summary="Attendance sanctions imposed, newest first")
async def find_sanctions(
    college: College,
    officer: Officer,
    conn: ReadOnly,
    paging: Paged,
    person_id: Annotated[Identifier | None, Query()] = None,
    term: Annotated[Identifier | None, Query()] = None,
) -> SanctionPage:
    found = await attendance_service.find_sanctions(
        conn, college=college, where=SanctionFilter(person_id=person_id, term=term), paging=paging
    )
    return SanctionPage(
        items=[SanctionView.model_validate(s) for s in found],
        limit=paging.limit,
        offset=paging.offset,
    )
