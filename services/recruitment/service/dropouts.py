"""Dropout cases on the beneficiary register: a child reported as having stopped school
(PupilDroppedOut: notifications sends the return-to-school notice to the guardian and
escalates to the township if the child is not back by `return_by`), and their return
recorded (PupilReturnedToSchool: the case and its chain close). Each runs in the
transaction it is handed."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.recruitment.domain import dropouts as domain
from services.recruitment.domain.dropouts import DropoutCase
from services.recruitment.domain.rules import NotFound
from services.recruitment.repository import beneficiaries as register
from services.recruitment.repository import dropouts as repository
from services.recruitment.service import SOURCE
from shared.events.recruitment import PupilDroppedOut, PupilReturnedToSchool
from shared.messaging.outbox import append_to_outbox


async def report_dropout(
    conn: asyncpg.Connection,
    *,
    college: str,
    beneficiary_id: UUID,
    return_by: datetime,
    note: str,
    reported_by: str,
    now: datetime,
) -> DropoutCase:
    """Open the child's dropout case (one open at a time) and say so (PupilDroppedOut)."""
    domain.check_return_by(return_by, now=now)
    child = await register.get_beneficiary(
        conn, college=college, beneficiary_id=beneficiary_id, for_update=True
    )
    if child is None:
        raise NotFound("beneficiary", beneficiary_id)
    if await repository.open_case(conn, college=college, beneficiary_id=beneficiary_id):
        raise domain.one_open_case_broken(beneficiary_id)
    case = DropoutCase(
        case_id=uuid4(),
        college=college,
        beneficiary_id=beneficiary_id,
        school_id=child.school_id,
        county=child.county,
        note=note,
        reported_by=reported_by,
        reported_at=now,
        return_by=return_by,
    )
    await repository.insert_case(conn, case)
    event = PupilDroppedOut(
        college=college,
        case_id=case.case_id,
        beneficiary_id=beneficiary_id,
        school_id=case.school_id,
        county=case.county,
        reported_by=reported_by,
        return_by=return_by,
        reported_at=now,
    )
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return case


async def record_return(
    conn: asyncpg.Connection,
    *,
    college: str,
    beneficiary_id: UUID,
    returned_at: datetime | None,
    recorded_by: str,
    now: datetime,
) -> DropoutCase:
    """The child is back at school: the open case closes (PupilReturnedToSchool)."""
    child = await register.get_beneficiary(
        conn, college=college, beneficiary_id=beneficiary_id, for_update=True
    )
    if child is None:
        raise NotFound("beneficiary", beneficiary_id)
    case = await repository.open_case(conn, college=college, beneficiary_id=beneficiary_id)
    if case is None:
        raise domain.no_open_case_broken(beneficiary_id)
    when = returned_at or now
    domain.check_returned_at(case, when, now=now)
    await repository.record_return(
        conn, case_id=case.case_id, returned_at=when, returned_by=recorded_by
    )
    event = PupilReturnedToSchool(
        college=college,
        case_id=case.case_id,
        beneficiary_id=beneficiary_id,
        school_id=case.school_id,
        recorded_by=recorded_by,
        returned_at=when,
    )
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return DropoutCase(**{**case.__dict__, "returned_at": when, "returned_by": recorded_by})


async def cases_of_child(
    conn: asyncpg.Connection, *, college: str, beneficiary_id: UUID
) -> list[DropoutCase]:
    if await register.get_beneficiary(conn, college=college, beneficiary_id=beneficiary_id) is None:
        raise NotFound("beneficiary", beneficiary_id)
    return await repository.cases_of_child(conn, college=college, beneficiary_id=beneficiary_id)
