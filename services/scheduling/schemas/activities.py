"""The activity calendar as the API takes and shows it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.scheduling.domain.activities import MAX_DURATION_MIN, MAX_PEOPLE, Activity
from services.scheduling.domain.activity_plans import CalendarOutcome
from services.scheduling.domain.activity_tasks import MAX_TASK_OFFSET_MIN, PreparationTask, TaskPlan
from shared.paging import Paging
from shared.web.fields import AwareDateTime, Identifier, Line, SaneDate, StrictInt, Text

FORM = ConfigDict(extra="forbid", str_strip_whitespace=True)
VIEW = ConfigDict(from_attributes=True)
Title = Annotated[Line, Field(min_length=1, max_length=200)]
RoomName = Annotated[Line, Field(min_length=1, max_length=100)]
MONTH_PATTERN = r"^(19|20|21|22)[0-9]{2}-(0[1-9]|1[0-2])$"


class RoomForm(BaseModel):
    model_config = FORM

    room: RoomName
    place: Annotated[Line, Field(max_length=200)] = ""
    capacity: StrictInt | None = Field(default=None, ge=1, le=100_000)


class RoomView(BaseModel):
    model_config = VIEW

    room: str
    place: str
    capacity: int | None


class TaskForm(BaseModel):
    """A preparation task: due `offset_min` minutes from the activity's start or end
    (negative: before), or on a fixed date (`anchor` "fixed" with `due_at`)."""

    model_config = FORM

    kind: Identifier
    title: Title
    anchor: Literal["start", "end", "fixed"] = "start"
    offset_min: StrictInt = Field(default=0, ge=-MAX_TASK_OFFSET_MIN, le=MAX_TASK_OFFSET_MIN)
    due_at: AwareDateTime | None = None
    assignee_id: Identifier | None = None

    def plan(self) -> TaskPlan:
        return TaskPlan(
            kind=self.kind,
            title=self.title,
            anchor=self.anchor,
            offset_min=self.offset_min,
            fixed_due_at=self.due_at,
            assignee_id=self.assignee_id,
        )


class ActivityForm(BaseModel):
    """A draft: the window it must fall in, how long it lasts, whom and what it needs.
    Without `tasks`, it gets the five usual preparation tasks; `[]` gives none."""

    model_config = FORM

    department_id: Identifier
    title: Title
    description: Annotated[Text, Field(max_length=2000)] = ""
    earliest_start: AwareDateTime
    latest_end: AwareDateTime
    duration_min: StrictInt = Field(ge=1, le=MAX_DURATION_MIN)
    people: list[Identifier] = Field(default_factory=list, max_length=MAX_PEOPLE)
    room: RoomName | None = None
    tasks: list[TaskForm] | None = Field(default=None, max_length=20)

    def task_plans(self) -> list[TaskPlan] | None:
        return None if self.tasks is None else [t.plan() for t in self.tasks]


class TaskView(BaseModel):
    task_id: UUID
    activity_id: UUID
    department_id: str
    kind: str
    title: str
    anchor: str
    offset_min: int
    due_at: datetime | None
    assignee_id: str | None
    status: str
    fired_at: datetime | None
    done_at: datetime | None
    done_by: str | None

    @classmethod
    def of(cls, task: PreparationTask) -> Self:
        return cls(
            task_id=task.task_id,
            activity_id=task.activity_id,
            department_id=task.department_id,
            kind=task.plan.kind,
            title=task.plan.title,
            anchor=task.plan.anchor,
            offset_min=task.plan.offset_min,
            due_at=task.due_at,
            assignee_id=task.plan.assignee_id,
            status=task.status.value,
            fired_at=task.fired_at,
            done_at=task.done_at,
            done_by=task.done_by,
        )


class ActivityView(BaseModel):
    model_config = VIEW

    activity_id: UUID
    department_id: str
    title: str
    description: str
    earliest_start: datetime
    latest_end: datetime
    duration_min: int
    people: list[str]
    room: str | None
    status: str
    starts_at: datetime | None
    ends_at: datetime | None
    version: int


class DraftView(ActivityView):
    tasks: list[TaskView]

    @classmethod
    def of(cls, activity: Activity, tasks: list[PreparationTask]) -> Self:
        view = ActivityView.model_validate(activity).model_dump()
        return cls(**view, tasks=[TaskView.of(t) for t in tasks])


class ActivityPage(BaseModel):
    items: list[ActivityView]
    limit: int
    offset: int

    @classmethod
    def listing(cls, activities: list[Activity], paging: Paging) -> Self:
        return cls(
            items=[ActivityView.model_validate(a) for a in activities],
            limit=paging.limit,
            offset=paging.offset,
        )


class PlanForm(BaseModel):
    """Plan the drafts whose window opens in a month ("2027-04") or in [from, to]."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    month: Annotated[str, Field(pattern=MONTH_PATTERN)] | None = None
    first_day: SaneDate | None = Field(default=None, alias="from")
    last_day: SaneDate | None = Field(default=None, alias="to")
    time_limit_s: float | None = Field(default=None, gt=0, le=60)

    @property
    def days(self) -> tuple[str | None, date | None, date | None]:
        return self.month, self.first_day, self.last_day


class PlanView(BaseModel):
    status: str
    scheduled: int
    objective_min: float | None
    best_bound_min: float | None
    conflicts: int
    wall_s: float
    activities: list[ActivityView]

    @classmethod
    def of(cls, outcome: CalendarOutcome, activities: list[Activity]) -> Self:
        return cls(
            status=outcome.status,
            scheduled=len(activities),
            objective_min=outcome.objective,
            best_bound_min=outcome.best_bound,
            conflicts=0 if outcome.verdict is None else outcome.verdict.conflicts,
            wall_s=round(outcome.wall_s, 3),
            activities=[ActivityView.model_validate(a) for a in activities],
        )
