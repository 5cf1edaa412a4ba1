"""Rota problems built from the member pool: the office rota for an organisation's
current members, each member's availability (class timetable, weekly busy slots,
explicit unavailability, granted leave) turned into the (day, post) cells they may not
be given."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import asyncpg

from services.scheduling.domain.availability import ShiftWindow, unavailable_pairs
from services.scheduling.domain.members import PoolFilter
from services.scheduling.domain.rostering import RotaProblem
from services.scheduling.domain.rules import RuleBroken
from services.scheduling.domain.solving import ProblemLimits
from services.scheduling.schemas.rostering import parse_rota_problem
from services.scheduling.service.availability import busy_by_member
from services.scheduling.service.members import pool_members
from shared.web.fields import IDENTIFIER_MAX_LENGTH, IDENTIFIER_PATTERN

_IDENTIFIER = re.compile(IDENTIFIER_PATTERN)


@dataclass(frozen=True)
class PoolProblem:
    problem: RotaProblem
    members: tuple[str, ...]
    unavailable: dict[str, int]


def _usable_skill(skill: str) -> bool:
    """Skills a rota can require by name (identifiers); others stay in the pool only."""
    return len(skill) <= IDENTIFIER_MAX_LENGTH and bool(_IDENTIFIER.match(skill))


async def office_problem(
    conn: asyncpg.Connection,
    *,
    college: str,
    organisation_kind: str,
    organisation_id: str,
    office_document: Callable[[list[dict[str, Any]]], dict[str, Any]],
    limits: ProblemLimits,
) -> PoolProblem:
    """The office rota problem for the organisation's current members.

    `office_document(members)` is the office template document for the members given
    (the caller's form); refused with RuleBroken naming the field, like any problem."""
    where = PoolFilter(organisation_kind=organisation_kind, organisation_id=organisation_id)
    members = await pool_members(conn, college=college, where=where)
    if not members:
        raise RuleBroken(
            "no_current_members",
            field="organisation_id",
            message=f"{organisation_kind} {organisation_id} has no current members in the pool",
        )
    document = office_document(
        [{"id": m.person_id, "skills": [s for s in m.skills if _usable_skill(s)]} for m in members]
    )
    problem = await asyncio.to_thread(parse_rota_problem, document, limits)
    days = [problem.date_of(day) for day in range(problem.days)]
    busy = await busy_by_member(
        conn,
        college=college,
        people=[m.person_id for m in members],
        first_day=days[0],
        last_day=days[-1],
    )
    windows = [ShiftWindow(k.id, k.start, k.length_min) for k in problem.shift_types]
    index = {day: n for n, day in enumerate(days)}
    staff = []
    unavailable: dict[str, int] = {}
    for person in problem.staff:
        ruled_out = {
            (index[day], kind) for day, kind in unavailable_pairs(days, windows, busy[person.id])
        }
        cells = person.unavailable | ruled_out
        unavailable[person.id] = len(cells)
        staff.append(replace(person, unavailable=frozenset(cells)))
    return PoolProblem(
        problem=replace(problem, staff=tuple(staff)),
        members=tuple(m.person_id for m in members),
        unavailable=unavailable,
    )
