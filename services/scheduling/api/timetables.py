"""Teaching timetables (课表): published from a done timetable solve job (officers), read as a
whole, per school, per class or per volunteer; a student reads only their own lessons."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from services.scheduling.api.common import PREFIX, STAFF, College, Limits, Member, Officer, Paged
from services.scheduling.domain.timetables import LessonFilter
from services.scheduling.schemas.timetables import (
    LessonPage,
    PublishForm,
    TimetableDetailView,
    TimetablePage,
)
from services.scheduling.service import timetables as service
from shared.web.dependencies import Now, ReadOnly, Transaction
from shared.web.problems import Problem

router = APIRouter(prefix=PREFIX, tags=["timetables"])
TIMETABLES = "/colleges/{college}/timetables"
Id = Annotated[str | None, Query(min_length=1, max_length=120)]


@router.post(
    TIMETABLES,
    status_code=status.HTTP_201_CREATED,
    summary="Publish the timetable of a done timetable solve job (409 if the independent "
    "checker finds a hard rule broken); emits TimetablePublished",
)
async def publish_timetable(
    college: College,
    form: PublishForm,
    officer: Officer,
    conn: Transaction,
    now: Now,
    limits: Limits,
) -> TimetableDetailView:
    timetable = await service.publish_timetable(
        conn,
        college=college,
        job_id=form.job_id,
        name=form.name,
        limits=limits,
        published_by=officer.user_id,
        now=now,
    )
    return TimetableDetailView.model_validate(timetable)


@router.get(TIMETABLES, summary="The college's published timetables, latest first")
async def list_timetables(
    college: College, member: Member, conn: ReadOnly, paging: Paged
) -> TimetablePage:
    timetables = await service.list_timetables(conn, college=college, paging=paging)
    return TimetablePage.listing(timetables, paging)


@router.get(
    f"{TIMETABLES}/{{timetable_id}}",
    summary="One timetable: its schools, classes and volunteers (names for the views), the "
    "rotation of teams, its penalties",
)
async def get_timetable(
    college: College, timetable_id: UUID, member: Member, conn: ReadOnly
) -> TimetableDetailView:
    timetable = await service.get_timetable(conn, college=college, timetable_id=timetable_id)
    return TimetableDetailView.model_validate(timetable)


@router.get(
    f"{TIMETABLES}/{{timetable_id}}/lessons",
    summary="A timetable's lessons in time order: a school's, a class's, a volunteer's, a "
    "week's (filters combine); a student reads only their own",
)
async def timetable_lessons(
    college: College,
    timetable_id: UUID,
    member: Member,
    conn: ReadOnly,
    paging: Paged,
    school: Id = None,
    class_id: Id = None,
    volunteer: Id = None,
    week: Annotated[int | None, Query(ge=1, le=52)] = None,
) -> LessonPage:
    staff = member.has_any(*STAFF)
    if not staff:
        if volunteer not in (None, member.user_id):
            raise Problem.forbidden("a student reads only their own lessons")
        volunteer = member.user_id
    which = LessonFilter(school=school, class_id=class_id, volunteer_id=volunteer, week=week)
    timetable, lessons = await service.lessons_of(
        conn,
        college=college,
        timetable_id=timetable_id,
        which=which,
        paging=paging,
        known_only=staff,
    )
    return LessonPage.of(
        timetable,
        lessons,
        paging,
        school=school,
        class_id=class_id,
        volunteer=volunteer,
        week=week,
    )
