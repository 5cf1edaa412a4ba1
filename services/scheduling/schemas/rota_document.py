"""The shape of a rota problem document (README "Duty rota problems"): pydantic models
that refuse unknown fields and out-of-range numbers. `schemas/rostering.py` turns a
validated document into the domain problem."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.scheduling.domain.rostering import MINUTES_PER_DAY
from shared.web.fields import Identifier, Line, SaneDate, StrictInt

STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)
Weight = Annotated[StrictInt, Field(ge=0, le=1_000_000)]
Minutes = Annotated[StrictInt, Field(ge=0, le=1_000_000)]
Count = Annotated[StrictInt, Field(ge=0, le=100_000)]
Day = Annotated[StrictInt, Field(ge=0, le=10_000)]


class ShiftTypeDoc(BaseModel):
    model_config = STRICT
    id: Identifier
    post: Identifier
    place: Annotated[Line, Field(max_length=200)] = ""
    start: time
    length_minutes: Annotated[StrictInt, Field(gt=0, le=MINUTES_PER_DAY)]
    forbidden_next: list[Identifier] = Field(default_factory=list, max_length=100)


class CellDoc(BaseModel):
    model_config = STRICT
    day: Day
    shift_type: Identifier


class StaffDoc(BaseModel):
    model_config = STRICT
    id: Identifier
    name: Annotated[Line, Field(max_length=200)] = ""
    max_shifts: dict[Identifier, Count] = Field(default_factory=dict)
    min_total_minutes: Minutes = 0
    max_total_minutes: Minutes | None = None
    max_consecutive_days: Annotated[StrictInt, Field(ge=1, le=10_000)] | None = None
    min_consecutive_days: Annotated[StrictInt, Field(ge=1, le=10_000)] = 1
    min_consecutive_days_off: Annotated[StrictInt, Field(ge=1, le=10_000)] = 1
    max_weekends: Count | None = None
    days_off: list[Day] = Field(default_factory=list)
    unavailable: list[CellDoc] = Field(default_factory=list)
    skills: list[Identifier] = Field(default_factory=list, max_length=50)


class RequestDoc(BaseModel):
    model_config = STRICT
    staff: Identifier
    day: Day
    shift_type: Identifier | None = None
    kind: Literal["on", "off"]
    weight: Weight = 1


class CoverDoc(BaseModel):
    model_config = STRICT
    shift_type: Identifier
    day: Day | None = None  # None: every day of the horizon (a dated entry overrides it)
    required: Count
    under_weight: Weight | None = None
    over_weight: Weight | None = None
    maximum: Count | None = None


class SkillRequirementDoc(BaseModel):
    model_config = STRICT
    shift_type: Identifier
    day: Day | None = None  # None: every day the shift type has cover
    skill: Identifier
    count: Annotated[StrictInt, Field(ge=1, le=100_000)] = 1


class FairnessDoc(BaseModel):
    model_config = STRICT
    weight: Weight


class HoldingDoc(BaseModel):
    model_config = STRICT
    id: Identifier
    cells: list[CellDoc] = Field(min_length=1)
    forbidden_next: list[Identifier] = Field(default_factory=list)


class WeeklyDutyDoc(BaseModel):
    model_config = STRICT
    min_shifts: Annotated[StrictInt, Field(ge=1, le=100)] = 1
    min_length_minutes: Minutes = 180


class RotaDocument(BaseModel):
    model_config = STRICT
    name: Annotated[Line, Field(max_length=200)] = ""
    start: SaneDate
    days: Annotated[StrictInt, Field(ge=1, le=10_000)]
    min_rest_minutes: Minutes = 0
    max_shifts_per_day: Annotated[StrictInt, Field(ge=1, le=100)] = 1
    shift_types: list[ShiftTypeDoc] = Field(min_length=1)
    staff: list[StaffDoc] = Field(min_length=1)
    cover: list[CoverDoc] = Field(default_factory=list)
    requests: list[RequestDoc] = Field(default_factory=list)
    skill_requirements: list[SkillRequirementDoc] = Field(default_factory=list)
    fairness: FairnessDoc | None = None
    holdings: list[HoldingDoc] = Field(default_factory=list)
    weekly_duty: WeeklyDutyDoc | None = None
