"""Rota use cases: a draft from a finished solve job, publishing, reading, and repair when
a member withdraws or gets leave; each runs in the one transaction it is handed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.scheduling.domain.roster_checker import check_rota
from services.scheduling.domain.rotas import (
    DatedShift,
    Rota,
    broken_rule,
    dated_shifts,
    rota_period,
)
from services.scheduling.domain.rules import NotFound, RuleBroken
from services.scheduling.repository import rotas as repository
from services.scheduling.repository.rotas import AuditEntry
from services.scheduling.schemas.rostering import assignments_of_document
from services.scheduling.service import SOURCE
from services.scheduling.service.desk import expect_sign_in

# Repair lives in rota_repairs; its use cases are rota use cases too.
from services.scheduling.service.rota_repairs import (
    REPAIR_TIME_LIMIT_S,
    RepairReport,
    repair,
    repair_after_leave,
    repair_after_withdrawal,
)
from services.scheduling.service.rota_seats import (
    DEFAULT_GRACE_MIN,
    find_rota,
    problem_of,
)
from shared.events.scheduling import RotaPublished, ShiftAssigned
from shared.messaging.outbox import append_to_outbox
from shared.paging import Paging


@dataclass(frozen=True)
class RotaDetail:
    rota: Rota
    shifts: tuple[DatedShift, ...]


# --- drafting and publishing ------------------------------------------------------------------


async def draft_rota(
    conn: asyncpg.Connection,
    *,
    college: str,
    job_id: UUID,
    name: str,
    created_by: str,
    now: datetime,
) -> Rota:
    """A draft from a done rota solve job, whose assignments the checker finds sound."""
    job = await repository.get_solve_job(conn, college=college, job_id=job_id)
    if job is None:
        raise NotFound("solve job", job_id)
    if job.kind != "rota":
        raise RuleBroken("rota_job", field="job_id", message=f"job {job_id} solved a {job.kind}")
    if job.status != "done" or job.result is None:
        raise RuleBroken(
            "job_done", field="job_id", message=f"job {job_id} is {job.status}, not done"
        )
    status = job.result.get("status")
    if status not in ("optimal", "feasible"):
        raise RuleBroken(
            "job_solved", field="job_id", message=f"job {job_id} found no rota (status {status})"
        )
    rota_id = uuid4()
    draft_of = await repository.rota_of_job(conn, job_id=job_id)
    if draft_of is not None:
        raise _one_rota_per_job(job_id, draft_of)
    problem = problem_of(job.problem)
    assignments = tuple(sorted(assignments_of_document(dict(job.result))))
    # The stored result is not trusted: the independent checker judges the assignments.
    broken = check_rota(problem, assignments).violations
    if broken:
        raise broken_rule(list(broken), field="job_id", what=f"the rota of job {job_id}")
    starts_on, ends_on = rota_period(problem)
    rota = Rota(
        college=college,
        rota_id=rota_id,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        status="draft",
        document=job.problem,
        assignments=assignments,
        job_id=job_id,
        created_by=created_by,
        created_at=now,
    )
    try:
        async with conn.transaction():  # a savepoint: a lost race leaves the caller usable
            await repository.insert_rota(conn, rota)
    except asyncpg.UniqueViolationError as race:
        raise _one_rota_per_job(job_id, await repository.rota_of_job(conn, job_id=job_id)) from race
    await repository.audit(
        conn,
        college=college,
        rota_id=rota_id,
        at=now,
        actor_id=created_by,
        action="drafted",
        details={"job_id": str(job_id), "assignments": len(assignments)},
    )
    return rota


def _one_rota_per_job(job_id: UUID, rota_id: UUID | None) -> RuleBroken:
    return RuleBroken(
        "one_rota_per_job",
        field="job_id",
        message=f"rota {rota_id} was drafted from job {job_id} already",
    )


async def publish_rota(
    conn: asyncpg.Connection,
    *,
    college: str,
    rota_id: UUID,
    published_by: str,
    now: datetime,
    grace_min: int = DEFAULT_GRACE_MIN,
) -> RotaDetail:
    """Pin the draft: its dated shifts and pinned seats, a no-show timer per seat, and the
    events RotaPublished and ShiftAssigned (one per seat)."""
    rota = await find_rota(conn, college=college, rota_id=rota_id, for_update=True)
    if rota.status != "draft":
        raise RuleBroken(
            "rota_draft", field="rota_id", message=f"rota {rota_id} is published already"
        )
    problem = problem_of(rota.document)
    broken = check_rota(problem, rota.assignments).violations
    if broken:
        raise broken_rule(list(broken), field="rota_id", what=f"rota {rota_id}")
    shifts = dated_shifts(rota.rota_id, problem, rota.assignments)
    await repository.insert_shifts(conn, college=college, shifts=shifts, at=now)
    await repository.mark_published(conn, rota_id=rota_id, published_by=published_by, at=now)
    events: list[RotaPublished | ShiftAssigned] = [
        RotaPublished(
            college=college,
            rota_id=rota_id,
            name=rota.name,
            starts_on=rota.starts_on,
            ends_on=rota.ends_on,
            shifts=len(shifts),
            assignments=len(rota.assignments),
            published_at=now,
        )
    ]
    for shift in shifts:
        for holder in shift.holders:
            await expect_sign_in(
                conn,
                college=college,
                shift_id=shift.shift_id,
                person_id=holder,
                starts_at=shift.starts_at,
                grace_min=grace_min,
            )
            events.append(
                ShiftAssigned(
                    college=college,
                    shift_id=shift.shift_id,
                    rota_id=rota_id,
                    person_id=holder,
                    post=shift.post,
                    place=shift.place,
                    starts_at=shift.starts_at,
                    ends_at=shift.ends_at,
                )
            )
    await append_to_outbox(conn, events, source=SOURCE, now=now)
    await repository.audit(
        conn,
        college=college,
        rota_id=rota_id,
        at=now,
        actor_id=published_by,
        action="published",
        details={"shifts": len(shifts), "assignments": len(rota.assignments)},
    )
    return await rota_detail(conn, college=college, rota_id=rota_id, drafts_visible=True)


# --- reading ------------------------------------------------------------------------------------


async def rota_detail(
    conn: asyncpg.Connection, *, college: str, rota_id: UUID, drafts_visible: bool
) -> RotaDetail:
    """A rota with its dated shifts: a draft's as they would be published (drafts only for
    staff), a published rota's seats as they stand."""
    rota = await find_rota(conn, college=college, rota_id=rota_id)
    if rota.status == "draft":
        if not drafts_visible:
            raise NotFound("rota", rota_id)
        problem = problem_of(rota.document)
        return RotaDetail(rota, tuple(dated_shifts(rota_id, problem, rota.assignments)))
    return RotaDetail(rota, tuple(await repository.shifts_of_rota(conn, rota_id=rota_id)))


async def rotas_of(
    conn: asyncpg.Connection, *, college: str, drafts_visible: bool, paging: Paging
) -> list[Rota]:
    return await repository.list_rotas(
        conn, college=college, published_only=not drafts_visible, paging=paging
    )


async def shifts_of_member(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    ending_after: datetime | None,
    paging: Paging,
) -> list[DatedShift]:
    return await repository.shifts_of_member(
        conn, college=college, person_id=person_id, ending_after=ending_after, paging=paging
    )


async def audit_of(
    conn: asyncpg.Connection, *, college: str, rota_id: UUID, paging: Paging
) -> list[AuditEntry]:
    await find_rota(conn, college=college, rota_id=rota_id)
    return await repository.audit_of_rota(conn, college=college, rota_id=rota_id, paging=paging)


__all__ = [
    "REPAIR_TIME_LIMIT_S",
    "RepairReport",
    "repair",
    "repair_after_leave",
    "repair_after_withdrawal",
]
