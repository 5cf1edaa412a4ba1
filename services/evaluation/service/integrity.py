"""The committee's integrity decision on a flagged report, and the similarity reads.

Only a flagged report can be decided. `cleared` ends the flag with no consequence;
`misconduct` revokes the credits the report gave (credits' hook), withdraws its prize
and keeps it out of later award runs (awards' hook), and for a Class I (college-funded)
team report asks for its funds back (FundsReclaimRequested, with the team's budget).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from uuid import UUID, uuid4

import asyncpg

from services.evaluation.repository import integrity as repository
from services.evaluation.service import SOURCE
from services.evaluation.service.awards import withdraw_for_misconduct
from services.evaluation.service.credits import revoke_for_misconduct
from shared.events.base import DomainEvent
from shared.events.evaluation import FundsReclaimRequested, IntegrityDecided
from shared.messaging.outbox import append_to_outbox
from shared.paging import Paging
from shared.rules import NotFound, RuleBroken

Decision = Literal["cleared", "misconduct"]


@dataclass(frozen=True)
class IntegrityDecision:
    decision_id: UUID
    report_id: UUID
    season: str
    version: int
    decision: Decision
    decided_by: str
    reason: str
    decided_at: datetime
    funds_reclaim_requested: bool


async def decide(
    conn: asyncpg.Connection,
    *,
    college: str,
    report_id: UUID,
    decision: Decision,
    reason: str,
    decided_by: str,
    now: datetime,
) -> IntegrityDecision:
    """The chair decides a flagged report; emits IntegrityDecided (and the consequences)."""
    report = await repository.report_for_decision(conn, college=college, report_id=report_id)
    if report is None:
        raise NotFound("report", report_id)
    if report.integrity != "flagged":
        raise RuleBroken(
            "not_flagged",
            field="report_id",
            message=f"only a flagged report can be decided; this one is {report.integrity}",
        )
    decision_id = uuid4()
    await repository.record_decision(
        conn,
        decision_id=decision_id,
        college=college,
        report_id=report_id,
        version=report.current_version,
        decision=decision,
        decided_by=decided_by,
        reason=reason,
        now=now,
    )
    events: list[DomainEvent] = [
        IntegrityDecided(
            college=college,
            report_id=report_id,
            season=report.season,
            decision=decision,
            decided_by=decided_by,
            reason=reason,
            decided_at=now,
        )
    ]
    reclaim = False
    if decision == "misconduct":
        await revoke_for_misconduct(
            conn, college=college, report_id=report_id, season=report.season, reason=reason, now=now
        )
        await withdraw_for_misconduct(
            conn, college=college, report_id=report_id, reason=reason, now=now
        )
        if report.kind == "team" and report.project_class == "I" and report.team_id:
            reclaim = True
            events.append(
                FundsReclaimRequested(
                    college=college,
                    report_id=report_id,
                    team_id=report.team_id,
                    season=report.season,
                    budget_yuan=report.budget_yuan,
                    reason=reason,
                    requested_at=now,
                )
            )
    await append_to_outbox(conn, events, source=SOURCE, now=now)
    return IntegrityDecision(
        decision_id,
        report_id,
        report.season,
        report.current_version,
        decision,
        decided_by,
        reason,
        now,
        reclaim,
    )


@dataclass(frozen=True)
class SimilarityReport:
    """A report's check as the chair reads it."""

    report_id: UUID
    season: str
    title: str
    integrity: str
    version: int
    containment: float
    threshold: float
    flagged: bool
    characters: int
    ignored_fingerprints: int
    checked_at: datetime
    matches: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)


async def similarity_of(
    conn: asyncpg.Connection, *, college: str, report_id: UUID, version: int | None
) -> SimilarityReport:
    report = await repository.report_integrity(conn, college=college, report_id=report_id)
    if report is None:
        raise NotFound("report", report_id)
    checked = await repository.checked_result(conn, report_id=report_id, version=version)
    if checked is None:
        raise NotFound("similarity check", f"{report_id} version {version or 'latest'}")
    rows = await repository.matches_of(conn, report_id=report_id, version=checked["version"])
    matches = [
        {
            "report_id": row["source_report_id"],
            "version": row["source_version"],
            "season": row["source_season"],
            "title": row["source_title"],
            "containment": row["containment"],
            "passages": json.loads(row["passages"]),
        }
        for row in rows
    ]
    return SimilarityReport(
        report_id=report_id,
        season=report["season"],
        title=report["title"],
        integrity=report["integrity"],
        version=checked["version"],
        containment=checked["containment"],
        threshold=checked["threshold"],
        flagged=checked["flagged"],
        characters=checked["characters"],
        ignored_fingerprints=checked["ignored_fingerprints"],
        checked_at=checked["checked_at"],
        matches=matches,
        decisions=[dict(row) for row in await repository.decisions_of(conn, report_id=report_id)],
    )


async def open_flags(
    conn: asyncpg.Connection, *, college: str, season: str, paging: Paging
) -> tuple[list[dict[str, Any]], int]:
    rows, total = await repository.open_flags(
        conn, college=college, season=season, limit=paging.limit, offset=paging.offset
    )
    items = []
    for row in rows:
        item = dict(row)
        item["sources"] = json.loads(row["sources"])
        items.append(item)
    return items, total
