"""Pairing use cases; each runs in the one transaction it is handed.

Every use case that adds pairings first takes the college's pairing lock: loads
are read, checked and written under it, so two officers pairing at once cannot
push a volunteer past their load limit.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.recruitment.domain.paging import Paging
from services.recruitment.domain.pairing import (
    VOLUNTEER_WITHDREW,
    Pairing,
    PairingFilter,
    PairingMode,
    PairingRun,
    already_paired_broken,
    check_run_scope,
    create_pairings,
    end_pairing,
    pair_manually,
    pairing_options,
)
from services.recruitment.domain.rules import NotFound, RuleBroken
from services.recruitment.pairing.solver import propose_pairings
from services.recruitment.repository import pairing as repository
from services.recruitment.service import SOURCE
from shared.messaging.outbox import append_to_outbox


async def run_pairing(
    conn: asyncpg.Connection,
    *,
    college: str,
    school_id: str | None,
    county: str | None,
    mode: PairingMode,
    volunteers_per_child: int,
    officer_id: str,
    now: datetime,
    run_id: UUID | None = None,
) -> PairingRun:
    """Pair every child of the school or county who still has an open place."""
    check_run_scope(school_id=school_id, county=county)
    options = pairing_options(mode=mode, volunteers_per_child=volunteers_per_child)
    run_id = run_id or uuid4()
    await repository.lock_pairings_of_college(conn, college=college)
    children = [
        child
        for child in await repository.children_in_place(
            conn, college=college, school_id=school_id, county=county
        )
        if len(child.current_volunteer_ids) < options.volunteers_per_child
    ]
    volunteers = await repository.active_volunteers(conn, college=college)
    # A county is thousands of children: solve off the event loop so the
    # service keeps answering other requests meanwhile.
    plan = await asyncio.to_thread(propose_pairings, children, volunteers, options)
    created = create_pairings(
        college=college,
        proposals=plan.proposals,
        children={child.beneficiary_id: child for child in children},
        created_by=officer_id,
        run_id=run_id,
        now=now,
        new_id=uuid4,
    )
    await repository.insert_pairings(conn, [pairing for pairing, _ in created])
    await append_to_outbox(conn, [event for _, event in created], source=SOURCE, now=now)
    return PairingRun(
        run_id=run_id,
        school_id=school_id,
        county=county,
        options=options,
        children_considered=len(children),
        pairings=tuple(pairing for pairing, _ in created),
        unpaired_beneficiary_ids=tuple(child.beneficiary_id for child in plan.unpaired),
        objective=plan.objective,
    )


async def pair_volunteer_with_child(
    conn: asyncpg.Connection,
    *,
    college: str,
    beneficiary_id: UUID,
    volunteer_id: str,
    reason: str,
    officer_id: str,
    now: datetime,
    replaces_pairing_id: UUID | None = None,
    pairing_id: UUID | None = None,
) -> Pairing:
    """An officer's manual pairing, optionally replacing one of the child's pairings."""
    await repository.lock_pairings_of_college(conn, college=college)
    events = []
    if replaces_pairing_id is not None:
        replaced = await repository.pairing(
            conn, college=college, pairing_id=replaces_pairing_id, for_update=True
        )
        if replaced is None or replaced.beneficiary_id != beneficiary_id or not replaced.active:
            raise RuleBroken(
                field="replaces_pairing_id",
                rule="replaces_an_active_pairing_of_the_child",
                message="the pairing to replace is not an active pairing of this child",
            )
        ended, ended_event = end_pairing(
            pairing=replaced, reason=f"人工调整 manual override: {reason}", now=now
        )
        await repository.record_end(conn, ended)
        events.append(ended_event)
    child = await repository.child(conn, college=college, beneficiary_id=beneficiary_id)
    if child is None:
        raise RuleBroken(
            field="beneficiary_id",
            rule="registered_beneficiary",
            message="no child with this id is registered in this college",
            invalid=True,
        )
    found = await repository.active_volunteers(conn, college=college, volunteer_id=volunteer_id)
    if not found:
        raise RuleBroken(
            field="volunteer_id",
            rule="active_volunteer",
            message="no active volunteer with this id in this college",
            invalid=True,
        )
    pairing, created_event = pair_manually(
        pairing_id=pairing_id or uuid4(),
        college=college,
        child=child,
        volunteer=found[0],
        reason=reason,
        created_by=officer_id,
        now=now,
    )
    try:
        await repository.insert_pairings(conn, [pairing])
    except asyncpg.UniqueViolationError as race:  # paired by another request at the same time
        raise already_paired_broken() from race
    await append_to_outbox(conn, [*events, created_event], source=SOURCE, now=now)
    return pairing


async def end_pairing_for_reason(
    conn: asyncpg.Connection,
    *,
    college: str,
    pairing_id: UUID,
    reason: str,
    now: datetime,
    season_over: bool = False,
) -> Pairing:
    """`season_over`: the pairing ran until the season finished, so next season's
    run may continue it; otherwise a run never proposes this pair again.
    """
    current = await find_pairing(conn, college=college, pairing_id=pairing_id, for_update=True)
    ended, event = end_pairing(pairing=current, reason=reason, now=now, season_over=season_over)
    await repository.record_end(conn, ended)
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return ended


async def end_pairings_of_withdrawn_volunteer(
    conn: asyncpg.Connection, *, college: str, volunteer_id: str, now: datetime
) -> list[Pairing]:
    """A volunteer left: their children are unpaired again, so the next run pairs them.

    Runs in the withdrawal's transaction, after the volunteer's enrolment was
    deactivated. Someone still enrolled by another of the college's campaigns
    is still a volunteer, and keeps their children.
    """
    await repository.lock_pairings_of_college(conn, college=college)
    if await repository.active_volunteers(conn, college=college, volunteer_id=volunteer_id):
        return []
    ended_pairings: list[Pairing] = []
    events = []
    for current in await repository.active_pairings_of_volunteer(
        conn, college=college, volunteer_id=volunteer_id
    ):
        ended, event = end_pairing(pairing=current, reason=VOLUNTEER_WITHDREW, now=now)
        await repository.record_end(conn, ended)
        ended_pairings.append(ended)
        events.append(event)
    await append_to_outbox(conn, events, source=SOURCE, now=now)
    return ended_pairings


async def find_pairing(
    conn: asyncpg.Connection, *, college: str, pairing_id: UUID, for_update: bool = False
) -> Pairing:
    found = await repository.pairing(
        conn, college=college, pairing_id=pairing_id, for_update=for_update
    )
    if found is None:
        raise NotFound("pairing", pairing_id)
    return found


async def list_pairings(
    conn: asyncpg.Connection, *, college: str, where: PairingFilter, paging: Paging
) -> list[Pairing]:
    return await repository.pairings(conn, college=college, where=where, paging=paging)
