"""Memberships: a person's memberships and history; officers end them with a reason."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from services.recruitment.api.common import PREFIX, College, Pool
from services.recruitment.domain.memberships import Membership, MembershipRuleBroken
from services.recruitment.service import memberships as service
from shared.events.recruitment import OrganisationKind
from shared.web.auth import Principal, ensure_college, require_roles
from shared.web.problems import Problem

router = APIRouter(prefix=PREFIX, tags=["memberships"])

STAFF = ("officer", "college_admin", "university_admin")
Officer = Annotated[Principal, Depends(require_roles(*STAFF))]
Reader = Annotated[Principal, Depends(require_roles("student", *STAFF))]
PersonId = Annotated[str, Field(min_length=1, max_length=64)]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=100_000)]


class MembershipView(BaseModel):
    id: UUID
    college: str
    person_id: str
    organisation_kind: str
    organisation_id: str
    role: str
    how_started: str
    started_at: datetime
    active: bool
    how_ended: str | None
    end_reason: str | None
    ended_at: datetime | None

    @classmethod
    def of(cls, m: Membership) -> MembershipView:
        return cls(
            id=m.id,
            college=m.college,
            person_id=m.person_id,
            organisation_kind=m.organisation_kind,
            organisation_id=m.organisation_id,
            role=m.role,
            how_started=m.how_started,
            started_at=m.started_at,
            active=m.active,
            how_ended=m.how_ended,
            end_reason=m.end_reason,
            ended_at=m.ended_at,
        )


class MembershipPage(BaseModel):
    items: list[MembershipView]
    limit: int
    offset: int


class SanctionView(BaseModel):
    sanction_id: UUID
    organisation_kind: str
    organisation_id: str
    sanction: str
    reason: str
    term: str
    imposed_at: datetime
    effect: str
    membership_id: UUID | None


class SanctionPage(BaseModel):
    items: list[SanctionView]
    limit: int
    offset: int


class EndForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    how: Literal["withdrawn", "expelled"]
    reason: str = Field(min_length=1, max_length=500)


def membership_problem(broken: MembershipRuleBroken) -> Problem:
    return Problem.conflict(str(broken), field=broken.field, rule=broken.rule)


@router.get(
    "/colleges/{college}/people/{person_id}/memberships",
    summary="A person's memberships, current and past (newest first)",
)
async def memberships_of_person(
    college: College,
    person_id: str,
    principal: Reader,
    pool: Pool,
    limit: Limit = 50,
    offset: Offset = 0,
) -> MembershipPage:
    ensure_college(principal, college)
    if not principal.has_any(*STAFF) and principal.user_id != person_id:
        raise Problem.not_found("memberships")  # another person's: not for them to see
    async with pool.acquire() as conn:
        found = await service.memberships_of_person(
            conn, college=college, person_id=person_id, limit=limit, offset=offset
        )
    return MembershipPage(items=[MembershipView.of(m) for m in found], limit=limit, offset=offset)


@router.get(
    "/colleges/{college}/memberships",
    summary="Members of one department or corps unit (newest first)",
)
async def memberships_of_organisation(
    college: College,
    principal: Officer,
    pool: Pool,
    organisation_kind: OrganisationKind,
    organisation_id: Annotated[str, Query(min_length=1, max_length=64)],
    active_only: bool = True,
    limit: Limit = 50,
    offset: Offset = 0,
) -> MembershipPage:
    ensure_college(principal, college)
    async with pool.acquire() as conn:
        found = await service.memberships_of_organisation(
            conn,
            college=college,
            organisation_kind=organisation_kind,
            organisation_id=organisation_id,
            active_only=active_only,
            limit=limit,
            offset=offset,
        )
    return MembershipPage(items=[MembershipView.of(m) for m in found], limit=limit, offset=offset)


@router.post(
    "/colleges/{college}/memberships/{membership_id}/end",
    summary="Withdraw or expel a member, with the reason",
)
async def end_membership(
    college: College, membership_id: UUID, form: EndForm, principal: Officer, pool: Pool
) -> MembershipView:
    ensure_college(principal, college)
    try:
        async with pool.acquire() as conn, conn.transaction():
            ended = await service.end_membership(
                conn,
                college=college,
                membership_id=membership_id,
                how=form.how,
                reason=form.reason,
                now=datetime.now(UTC),
            )
    except MembershipRuleBroken as broken:
        raise membership_problem(broken) from broken
    if ended is None:
        raise Problem.not_found("membership")
    return MembershipView.of(ended)


@router.get(
    "/colleges/{college}/people/{person_id}/sanctions",
    summary="Attendance sanctions received for a person, and what each did",
)
async def sanctions_of_person(
    college: College,
    person_id: str,
    principal: Officer,
    pool: Pool,
    limit: Limit = 50,
    offset: Offset = 0,
) -> SanctionPage:
    ensure_college(principal, college)
    async with pool.acquire() as conn:
        found = await service.sanctions_of_person(
            conn, college=college, person_id=person_id, limit=limit, offset=offset
        )
    return SanctionPage(
        items=[
            SanctionView(
                sanction_id=s.sanction_id,
                organisation_kind=s.organisation_kind,
                organisation_id=s.organisation_id,
                sanction=s.sanction,
                reason=s.reason,
                term=s.term,
                imposed_at=s.imposed_at,
                effect=s.effect.value,
                membership_id=s.membership_id,
            )
            for s in found
        ],
        limit=limit,
        offset=offset,
    )
