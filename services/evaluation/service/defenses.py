"""Excellence defense use cases: schedule the season's waiting applications into the
chair's slots with panels (the CP-SAT scheduler, then the independent checker over the
whole college's overlapping defenses), record the panel's decision, and withdraw a
defense when its report is decided misconduct; each runs in the one transaction it is
handed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.evaluation.assignment.defense_slots import schedule_defenses
from services.evaluation.domain import defenses as rules
from services.evaluation.domain.defense_checker import check_defenses
from services.evaluation.domain.defenses import (
    Defense,
    DefenseProblem,
    Hearing,
    PanelMember,
    Slot,
)
from services.evaluation.repository import awards as awards_repository
from services.evaluation.repository import defenses as repository
from services.evaluation.repository import grades as grades_repository
from services.evaluation.repository.defenses import DefenseRow
from services.evaluation.service import SOURCE
from shared.events.evaluation import DefenseDecided, DefenseScheduled, DefenseWithdrawn
from shared.messaging.outbox import append_to_outbox
from shared.rules import NotFound, RuleBroken


async def schedule(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    slots: Sequence[Slot],
    members: Sequence[PanelMember],
    panel_size: int,
    by: str,
    now: datetime,
) -> list[Defense]:
    """A defense for every excellence application of the season not yet scheduled, nor
    withdrawn, nor of a report out of the awards (misconduct); DefenseScheduled each.
    Refused (nothing kept) when the plan does not fit or the independent checker finds
    any clash. Withdrawn defenses hold no room and no panel member."""
    if await awards_repository.lock_season(conn, college=college, season=season) is None:
        raise NotFound("season", season)
    waiting = await awards_repository.waiting_applications(conn, college=college, season=season)
    conflicted: dict[UUID, frozenset[str]] = {}
    for application in waiting:
        report = await grades_repository.report_facts(
            conn, college=college, report_id=application.report_id
        )
        assert report is not None  # an application references its report
        advisor = {report.advisor_id} if report.advisor_id else set()
        conflicted[application.report_id] = frozenset({*report.author_ids, *advisor})
    existing: list[Defense] = []
    if slots:
        existing = await repository.defenses_between(
            conn,
            college=college,
            starts=min(s.starts_at for s in slots),
            ends=max(s.ends_at for s in slots),
        )
    problem = DefenseProblem(
        hearings=tuple(Hearing(a.report_id, conflicted[a.report_id]) for a in waiting),
        slots=tuple(slots),
        members=tuple(members),
        panel_size=panel_size,
        existing=tuple(existing),
    )
    # CP-SAT takes up to TIME_LIMIT_S: off the event loop, on the frozen problem (the
    # connection is not used until it returns)
    plan = await asyncio.to_thread(schedule_defenses, problem, new_id=uuid4)
    violations = check_defenses(
        plan, members=members, conflicted=conflicted, panel_size=panel_size
    ) + check_defenses([*existing, *plan])
    if violations:
        raise RuleBroken(
            "defense_schedule_clash",
            field="slots",
            message="; ".join(v.message for v in violations[:5]),
        )
    await repository.insert_defenses(conn, plan, college=college, season=season, by=by, now=now)
    events = [
        DefenseScheduled(
            college=college,
            defense_id=d.defense_id,
            report_id=d.report_id,
            season=season,
            room=d.room,
            panel_ids=list(d.panel_ids),
            starts_at=d.starts_at,
            ends_at=d.ends_at,
        )
        for d in plan
    ]
    await append_to_outbox(conn, events, source=SOURCE, now=now)
    return plan


async def defense_of(
    conn: asyncpg.Connection, *, college: str, defense_id: UUID, for_update: bool = False
) -> DefenseRow:
    row = await repository.defense_row(
        conn, college=college, defense_id=defense_id, for_update=for_update
    )
    if row is None:
        raise NotFound("defense", defense_id)
    return row


async def decide(
    conn: asyncpg.Connection,
    *,
    college: str,
    defense_id: UUID,
    score: float,
    excellent: bool,
    by: str,
    now: datetime,
) -> DefenseRow:
    """The panel's score (0–100) and excellence decision, once; emits DefenseDecided.
    Refused for a report out of the awards (misconduct: its defense is withdrawn)."""
    row = await defense_of(conn, college=college, defense_id=defense_id, for_update=True)
    if row.withdrawn_at is not None or await awards_repository.is_excluded(
        conn, college=college, report_id=row.defense.report_id
    ):
        raise RuleBroken(
            "misconduct",
            field="defense_id",
            message="the report is out of the awards (misconduct): its defense is withdrawn",
        )
    if row.decided_at is not None:
        raise RuleBroken(
            "defense_decided", field="defense_id", message="the defense is already decided"
        )
    kept = rules.decide(score)
    await repository.record_decision(
        conn, defense_id=defense_id, score=kept, excellent=excellent, by=by, now=now
    )
    event = DefenseDecided(
        college=college,
        defense_id=defense_id,
        report_id=row.defense.report_id,
        season=row.season,
        score=kept,
        excellent=excellent,
        decided_at=now,
    )
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return await defense_of(conn, college=college, defense_id=defense_id)


async def withdraw_for_misconduct(
    conn: asyncpg.Connection, *, college: str, report_id: UUID, reason: str, now: datetime
) -> DefenseRow | None:
    """Misconduct decided after the report applied: its defense, scheduled or already
    decided, is withdrawn (kept, with the reason; its room and panel are free again) and
    DefenseWithdrawn says so. None when it has no defense or it is already withdrawn."""
    row = await repository.defense_of_report(
        conn, college=college, report_id=report_id, for_update=True
    )
    if row is None or row.withdrawn_at is not None:
        return None
    await repository.withdraw_defense(
        conn, college=college, defense_id=row.defense.defense_id, reason=reason, now=now
    )
    d = row.defense
    event = DefenseWithdrawn(
        college=college,
        defense_id=d.defense_id,
        report_id=d.report_id,
        season=row.season,
        room=d.room,
        panel_ids=list(d.panel_ids),
        starts_at=d.starts_at,
        ends_at=d.ends_at,
        decided=row.decided_at is not None,
        reason=reason[:4000],
        withdrawn_at=now,
    )
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return await defense_of(conn, college=college, defense_id=d.defense_id)


async def defenses_of_season(
    conn: asyncpg.Connection, *, college: str, season: str
) -> list[DefenseRow]:
    if not await grades_repository.season_exists(conn, college=college, season=season):
        raise NotFound("season", season)
    return await repository.defenses_of_season(conn, college=college, season=season)
