"""Department intake use cases; each runs in the one transaction it is handed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import asyncpg

from services.recruitment.domain import intake as rules
from services.recruitment.domain.intake import Candidate, Intake, Outcome, Publication
from services.recruitment.domain.paging import Paging
from services.recruitment.domain.rules import NotFound
from services.recruitment.repository import intake as repository
from services.recruitment.repository import memberships as membership_repository
from services.recruitment.service import SOURCE
from services.recruitment.service.memberships import start_membership
from shared.messaging.outbox import append_to_outbox


async def open_intake(
    conn: asyncpg.Connection,
    *,
    college: str,
    intake_id: str,
    title: str,
    capacities: Mapping[str, int],
    max_choices: int | None,
    now: datetime,
) -> Intake:
    existing = await repository.get_intake(conn, college=college, intake_id=intake_id)
    intake = rules.open_intake(
        college=college,
        intake_id=intake_id,
        title=title,
        capacities=capacities,
        max_choices=max_choices,
        intake_exists=existing is not None,
        now=now,
    )
    await repository.insert_intake(conn, intake)
    return intake


async def intake_of(
    conn: asyncpg.Connection, *, college: str, intake_id: str, for_update: bool = False
) -> Intake:
    """The college's intake; `for_update` locks it, so that publishing and late
    applications or scores do not interleave."""
    intake = await repository.get_intake(
        conn, college=college, intake_id=intake_id, for_update=for_update
    )
    if intake is None:
        raise NotFound("intake", intake_id)
    return intake


async def apply(
    conn: asyncpg.Connection,
    *,
    college: str,
    intake_id: str,
    candidate_id: str,
    name: str,
    choices: Sequence[str],
    now: datetime,
) -> Candidate:
    intake = await intake_of(conn, college=college, intake_id=intake_id, for_update=True)
    existing = await repository.get_candidate(
        conn, college=college, intake_id=intake_id, candidate_id=candidate_id
    )
    candidate = rules.apply_to_intake(
        intake,
        candidate_id=candidate_id,
        name=name,
        choices=choices,
        already_applied=existing is not None,
        now=now,
    )
    await repository.insert_candidate(
        conn, college=college, intake_id=intake_id, candidate=candidate
    )
    return candidate


async def assess(
    conn: asyncpg.Connection,
    *,
    college: str,
    intake_id: str,
    candidate_id: str,
    department: str,
    communication: int,
    planning: int,
    assessor_id: str,
    now: datetime,
) -> rules.Assessment:
    intake = await intake_of(conn, college=college, intake_id=intake_id, for_update=True)
    candidate = await repository.get_candidate(
        conn, college=college, intake_id=intake_id, candidate_id=candidate_id
    )
    if candidate is None:
        raise NotFound("candidate", candidate_id)
    assessment = rules.assess(
        intake, candidate, department=department, communication=communication, planning=planning
    )
    await repository.save_assessment(
        conn,
        college=college,
        intake_id=intake_id,
        assessment=assessment,
        assessor_id=assessor_id,
        now=now,
    )
    return assessment


async def publish(
    conn: asyncpg.Connection, *, college: str, intake_id: str, now: datetime
) -> Publication:
    """Run the matching, write the admissions, and start each admitted member's membership."""
    intake = await intake_of(conn, college=college, intake_id=intake_id, for_update=True)
    candidates = await repository.candidates(conn, college=college, intake_id=intake_id)
    scores = await repository.assessments(conn, college=college, intake_id=intake_id)
    published, outcomes, event = rules.publish_result(
        intake, candidates=candidates, assessments=scores, now=now
    )
    await repository.mark_published(conn, published)
    await repository.insert_outcomes(conn, college=college, intake_id=intake_id, outcomes=outcomes)
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    for outcome in outcomes:
        if outcome.department is None:
            continue
        # Someone already in the department (e.g. re-admitted) keeps their membership.
        current = await membership_repository.active_membership(
            conn,
            college=college,
            person_id=outcome.candidate_id,
            organisation_kind="department",
            organisation_id=outcome.department,
        )
        if current is None:
            await start_membership(
                conn,
                college=college,
                person_id=outcome.candidate_id,
                organisation_kind="department",
                organisation_id=outcome.department,
                how="admitted",
                now=now,
            )
    return Publication(
        intake=published,
        outcomes=outcomes,
        admitted_by_department=event.admitted_by_department,
        unplaced=event.unplaced,
    )


async def list_candidates(
    conn: asyncpg.Connection, *, college: str, intake_id: str, paging: Paging
) -> list[Candidate]:
    return await repository.candidates(conn, college=college, intake_id=intake_id, paging=paging)


async def list_outcomes(
    conn: asyncpg.Connection, *, college: str, intake_id: str, paging: Paging
) -> list[Outcome]:
    return await repository.outcomes(conn, college=college, intake_id=intake_id, paging=paging)


async def outcome_of(
    conn: asyncpg.Connection, *, college: str, intake_id: str, candidate_id: str
) -> Outcome:
    outcome = await repository.outcome_of(
        conn, college=college, intake_id=intake_id, candidate_id=candidate_id
    )
    if outcome is None:
        raise NotFound("result", candidate_id)
    return outcome
