"""A rota problem built from the member pool: the office form it is asked with, and the
general rota problem document (schemas/rostering.py's format) it answers with."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.scheduling.domain.rostering import RotaProblem
from services.scheduling.schemas.office_rota import PostDoc
from services.scheduling.schemas.rota_document import (
    CellDoc,
    CoverDoc,
    FairnessDoc,
    HoldingDoc,
    RequestDoc,
    RotaDocument,
    ShiftTypeDoc,
    SkillRequirementDoc,
    StaffDoc,
    WeeklyDutyDoc,
)
from shared.events.scheduling import OrganisationKind
from shared.web.fields import Identifier, Line, SaneDate, StrictInt


class OfficeProblemForm(BaseModel):
    """The office rota (DOMAIN.md §2) for the current members of an organisation; the
    fields after the organisation are the office template's (README)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    organisation_kind: OrganisationKind = "department"
    organisation_id: Identifier = "office"
    name: Annotated[Line, Field(max_length=200)] = "office rota"
    start: SaneDate
    weeks: Annotated[StrictInt, Field(ge=1, le=60)]
    rule: Literal["weekly_post", "weekly_duty"] = "weekly_post"
    posts: list[PostDoc] | None = Field(default=None, min_length=1, max_length=50)
    open_weekdays: list[Annotated[StrictInt, Field(ge=0, le=6)]] = Field(
        default_factory=lambda: [0, 1, 2, 3, 4], min_length=1, max_length=7
    )
    min_duty_minutes: Annotated[StrictInt, Field(ge=1, le=1440)] = 180
    fairness_weight: Annotated[StrictInt, Field(ge=0, le=1_000_000)] = 1

    def office_document(self, members: list[dict[str, Any]]) -> dict[str, Any]:
        """The office template document for these members (ids and skills)."""
        fields = self.model_dump(mode="json", exclude={"organisation_kind", "organisation_id"})
        if self.posts is None:
            fields.pop("posts")
        return {"template": "office", **fields, "members": members}


class OfficeProblemView(BaseModel):
    problem: dict[str, Any] = Field(
        description="The general rota problem: submit it as a solve job (kind rota)"
    )
    members: list[str] = Field(description="The organisation's current members, its staff")
    unavailable: dict[str, int] = Field(
        description="Per member, how many (day, post) cells their availability rules out"
    )


def rota_problem_document(problem: RotaProblem) -> dict[str, Any]:
    """The general JSON document of a domain rota problem: `parse_rota_problem` reads it
    back as the same problem."""
    document = RotaDocument(
        name=problem.name,
        start=problem.start,
        days=problem.days,
        min_rest_minutes=problem.min_rest_min,
        max_shifts_per_day=problem.max_shifts_per_day,
        shift_types=[
            ShiftTypeDoc(
                id=kind.id,
                post=kind.post,
                place=kind.place,
                start=kind.start,
                length_minutes=kind.length_min,
                forbidden_next=sorted(kind.forbidden_next),
            )
            for kind in problem.shift_types
        ],
        staff=[
            StaffDoc(
                id=person.id,
                name=person.name,
                max_shifts=dict(person.max_shifts),
                min_total_minutes=person.min_total_min,
                max_total_minutes=person.max_total_min,
                max_consecutive_days=person.max_consecutive_days,
                min_consecutive_days=person.min_consecutive_days,
                min_consecutive_days_off=person.min_consecutive_days_off,
                max_weekends=person.max_weekends,
                days_off=sorted(person.days_off),
                unavailable=[
                    CellDoc(day=day, shift_type=kind) for day, kind in sorted(person.unavailable)
                ],
                skills=sorted(person.skills),
            )
            for person in problem.staff
        ],
        cover=[
            CoverDoc(
                shift_type=cover.shift_type,
                day=cover.day,
                required=cover.required,
                under_weight=cover.under_weight,
                over_weight=cover.over_weight,
                maximum=cover.maximum,
            )
            for cover in problem.cover
        ],
        requests=[
            RequestDoc(
                staff=request.staff,
                day=request.day,
                shift_type=request.shift_type,
                kind="on" if request.on else "off",
                weight=request.weight,
            )
            for request in problem.requests
        ],
        skill_requirements=[
            SkillRequirementDoc(
                shift_type=need.shift_type, day=need.day, skill=need.skill, count=need.count
            )
            for need in problem.skill_requirements
        ],
        fairness=FairnessDoc(weight=problem.fairness.weight) if problem.fairness else None,
        holdings=[
            HoldingDoc(
                id=holding.id,
                cells=[CellDoc(day=day, shift_type=kind) for day, kind in holding.cells],
                forbidden_next=sorted(holding.forbidden_next),
            )
            for holding in problem.holdings
        ],
        weekly_duty=(
            WeeklyDutyDoc(
                min_shifts=problem.weekly_duty.min_shifts,
                min_length_minutes=problem.weekly_duty.min_length_min,
            )
            if problem.weekly_duty
            else None
        ),
    )
    dumped: dict[str, Any] = document.model_dump(mode="json", exclude_none=True)
    return dumped
