"""The member pool's use cases: applying recruitment's facts, and reading the pool.

Each fact is applied so that its effect depends on what it says, not on when it
arrives: an enrolment is recorded once per application (skills are the union of all of
a member's enrolments), a membership's start once per membership id, and its end is
kept even when it comes before the start, which then finds it and stays ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg
import structlog

from services.scheduling.domain.members import (
    Member,
    PoolFilter,
    membership_of_another_college,
)
from services.scheduling.domain.rules import NotFound, RuleBroken
from services.scheduling.repository import members as repository
from services.scheduling.service.rota_repairs import repair_after_withdrawal
from shared.events.recruitment import MembershipEnded, MembershipStarted, VolunteerEnrolled
from shared.paging import Paging

log = structlog.get_logger(__name__)


async def enrol_volunteer(conn: asyncpg.Connection, *, event: VolunteerEnrolled) -> None:
    await repository.ensure_member(conn, college=event.college, person_id=event.volunteer_id)
    recorded = await repository.record_enrolment(
        conn,
        college=event.college,
        application_id=event.application_id,
        person_id=event.volunteer_id,
        campaign_id=event.campaign_id,
        skills=event.skills,
        availability_ref=event.availability_ref,
        enrolled_at=event.enrolled_at,
    )
    if recorded:
        await repository.refresh_enrolment_facts(
            conn, college=event.college, person_id=event.volunteer_id
        )


async def start_membership(conn: asyncpg.Connection, *, event: MembershipStarted) -> None:
    await _same_college(conn, event.membership_id, event.college)
    await repository.ensure_member(conn, college=event.college, person_id=event.person_id)
    await repository.insert_membership(
        conn,
        college=event.college,
        membership_id=event.membership_id,
        person_id=event.person_id,
        organisation_kind=event.organisation_kind,
        organisation_id=event.organisation_id,
        role=event.role,
        started_at=event.started_at,
    )


async def end_membership(
    conn: asyncpg.Connection, *, event: MembershipEnded, now: datetime
) -> None:
    """Record the end; a member who has left every organisation of the college (not
    transferred: their next membership follows) loses their upcoming rota seats, each
    published rota repaired (service/rota_repairs.py)."""
    await _same_college(conn, event.membership_id, event.college)
    recorded = await repository.record_ending(
        conn,
        college=event.college,
        membership_id=event.membership_id,
        person_id=event.person_id,
        how=event.how,
        reason=event.reason,
        ended_at=event.ended_at,
    )
    if not recorded or event.how == "transferred":
        return
    if await repository.has_current_membership(
        conn, college=event.college, person_id=event.person_id
    ):
        return  # still a member elsewhere: their seats stand
    try:
        async with conn.transaction():  # a savepoint: a refused repair leaves the end recorded
            await repair_after_withdrawal(
                conn,
                college=event.college,
                person_id=event.person_id,
                reason=f"membership ended ({event.how}): {event.reason}"[:500],
                now=now,
            )
    except RuleBroken as refused:
        # The pool must know the member left whatever the rotas say; an officer can
        # still repair by hand (POST /rotas/{id}/repair).
        log.warning(
            "rotas not repaired after a membership ended",
            person_id=event.person_id,
            rule=refused.rule,
            error=refused.message,
        )


async def _same_college(conn: asyncpg.Connection, membership_id: UUID, college: str) -> None:
    """A membership id already known in another college is not this college's to touch."""
    for known in (
        await repository.membership_college(conn, membership_id),
        await repository.ending_college(conn, membership_id),
    ):
        if known is not None and known != college:
            raise membership_of_another_college(membership_id, college)


async def list_members(
    conn: asyncpg.Connection, *, college: str, where: PoolFilter, paging: Paging
) -> Sequence[Member]:
    return await repository.list_members(conn, college=college, where=where, paging=paging)


async def get_member(conn: asyncpg.Connection, *, college: str, person_id: str) -> Member:
    member = await repository.get_member(conn, college=college, person_id=person_id)
    if member is None:
        raise NotFound("member", person_id)
    return member


async def require_member(conn: asyncpg.Connection, *, college: str, person_id: str) -> None:
    """NotFound unless `person_id` is in the college's pool."""
    if not await repository.member_exists(conn, college=college, person_id=person_id):
        raise NotFound("member", person_id)


async def pool_members(
    conn: asyncpg.Connection, *, college: str, where: PoolFilter
) -> list[Member]:
    """Every member matching `where`, by person id."""
    return await repository.all_members(conn, college=college, where=where)
