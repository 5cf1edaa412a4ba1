"""Published timetables as the API takes and shows them: the publish form, the listing, one
timetable with the names for its views, and a page of its lessons."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.scheduling.domain.timetables import PublishedLesson, Timetable
from shared.paging import Paging
from shared.web.fields import Line

VIEW = ConfigDict(from_attributes=True)


class PublishForm(BaseModel):
    """Publish the timetable of a done timetable solve job."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    job_id: UUID
    name: Annotated[Line, Field(min_length=1, max_length=200)]


class TimetableView(BaseModel):
    model_config = VIEW

    timetable_id: UUID
    college: str
    name: str
    starts_on: date
    ends_on: date
    status: str
    job_id: UUID
    objective: float = Field(description="The checker's objective (weighted soft penalties)")
    penalties: dict[str, int]
    lesson_count: int
    published_by: str
    published_at: datetime


class ClassView(BaseModel):
    name: str
    school: str
    pupils: int


class TimetableDetailView(TimetableView):
    """One timetable with the names its views use; its lessons are read page by page."""

    schools: dict[str, str] = Field(description="school id -> name")
    classes: dict[str, ClassView] = Field(description="class id -> name, school, pupils")
    volunteers: dict[str, str] = Field(description="volunteer id -> name")
    notes: dict[str, Any] = Field(
        description="The template's notes: the weekly rotation of teams across schools, "
        "the farewell party and moving days"
    )


class TimetablePage(BaseModel):
    items: list[TimetableView]
    limit: int
    offset: int

    @classmethod
    def listing(cls, items: Iterable[Timetable], paging: Paging) -> TimetablePage:
        return cls(
            items=[TimetableView.model_validate(x) for x in items],
            limit=paging.limit,
            offset=paging.offset,
        )


class LessonView(BaseModel):
    model_config = VIEW

    lesson_id: UUID
    school: str
    class_ids: list[str] = Field(description="Every class attending (a shared lesson has several)")
    course: str
    subject: str
    course_name: str
    volunteer_id: str
    room: str
    week: int
    period: str
    starts_at: datetime
    ends_at: datetime
    version: int


class LessonPage(BaseModel):
    """A page of a timetable's lessons in time order, for the view asked for."""

    timetable_id: UUID
    school: str | None
    class_id: str | None
    volunteer: str | None
    week: int | None
    items: list[LessonView]
    limit: int
    offset: int

    @classmethod
    def of(
        cls,
        timetable: Timetable,
        lessons: Iterable[PublishedLesson],
        paging: Paging,
        *,
        school: str | None,
        class_id: str | None,
        volunteer: str | None,
        week: int | None,
    ) -> LessonPage:
        return cls(
            timetable_id=timetable.timetable_id,
            school=school,
            class_id=class_id,
            volunteer=volunteer,
            week=week,
            items=[LessonView.model_validate(x) for x in lessons],
            limit=paging.limit,
            offset=paging.offset,
        )
