"""Volunteer applications: validate, authorise, call the use case, map errors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from services.recruitment.api.common import PREFIX, College, Pool
from services.recruitment.domain.applications import ApplicationRuleBroken, VolunteerApplication
from services.recruitment.service import applications as service
from shared.web.auth import Principal, ensure_college, require_roles
from shared.web.problems import Problem

router = APIRouter(prefix=PREFIX, tags=["applications"])

Student = Annotated[Principal, Depends(require_roles("student"))]
Reader = Annotated[
    Principal,
    Depends(require_roles("student", "officer", "college_admin", "university_admin")),
]


class ApplicationForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    campaign_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    applicant_name: str = Field(min_length=1, max_length=64)
    motivation: str = Field(min_length=1, max_length=4000)
    skills: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default_factory=list, max_length=20
    )


class ApplicationView(BaseModel):
    id: UUID
    college: str
    campaign_id: str
    applicant_id: str
    applicant_name: str
    motivation: str
    skills: list[str]
    status: str
    submitted_at: datetime

    @classmethod
    def of(cls, application: VolunteerApplication) -> ApplicationView:
        return cls(
            id=application.id,
            college=application.college,
            campaign_id=application.campaign_id,
            applicant_id=application.applicant_id,
            applicant_name=application.applicant_name,
            motivation=application.motivation,
            skills=list(application.skills),
            status=application.status.value,
            submitted_at=application.submitted_at,
        )


@router.post(
    "/colleges/{college}/applications",
    status_code=status.HTTP_201_CREATED,
    summary="Apply to a volunteer recruitment campaign",
)
async def submit_application(
    college: College, form: ApplicationForm, principal: Student, pool: Pool
) -> ApplicationView:
    ensure_college(principal, college)
    try:
        async with pool.acquire() as conn, conn.transaction():
            application = await service.submit_volunteer_application(
                conn,
                college=college,
                campaign_id=form.campaign_id,
                applicant_id=principal.user_id,
                applicant_name=form.applicant_name,
                motivation=form.motivation,
                skills=tuple(form.skills),
                now=datetime.now(UTC),
            )
    except ApplicationRuleBroken as broken:
        raise Problem.conflict(str(broken), field=broken.field, rule=broken.rule) from broken
    except asyncpg.UniqueViolationError as race:  # two submissions at the same instant
        raise Problem.conflict(
            "you already have an active application to this campaign",
            field="campaign_id",
            rule="one_active_application_per_campaign",
        ) from race
    return ApplicationView.of(application)


@router.get("/colleges/{college}/applications/{application_id}", summary="Read an application")
async def read_application(
    college: College, application_id: UUID, principal: Reader, pool: Pool
) -> ApplicationView:
    ensure_college(principal, college)
    async with pool.acquire() as conn:
        application = await service.find_application(
            conn, college=college, application_id=application_id
        )
    only_own = not principal.has_any("officer", "college_admin", "university_admin")
    if application is None or (only_own and application.applicant_id != principal.user_id):
        raise Problem.not_found("application")
    return ApplicationView.of(application)
