"""The committee's integrity decision on a flagged report, and the similarity reads.

The cohort re-check: the gate checks a version against the reports indexed when it is
submitted; a report whose text turns up in a report submitted LATER is found by checking
its current version again against the whole current index (the chair's re-check of one
report or of a season, and once when the season's window closes: durable timer
SEASON_RECHECK). A re-check never indexes anything; it may flag a report already graded
(its grade stays; a misconduct decision then revokes what the grade earned).

Only a flagged report can be decided. `cleared` ends the flag with no consequence;
`misconduct` revokes the credits the report gave (credits' hook), withdraws its prize
and keeps it out of later award runs (awards' hook), and for a Class I (college-funded)
team report asks for its funds back (FundsReclaimRequested, with the team's budget).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal
from uuid import UUID, uuid4

import asyncpg

from services.evaluation.repository import integrity as repository
from services.evaluation.service import SOURCE, similarity
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


@dataclass(frozen=True)
class Recheck:
    """A report's current version checked again against the whole current index."""

    containment: float
    threshold: float
    over_threshold: bool
    flagged: bool  # flagged by this re-check
    new_sources: tuple[UUID, ...]  # sources its earlier check of this version did not have
    sources: tuple[UUID, ...]


async def recheck_version(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    report_id: UUID,
    version: int,
    body: str,
    integrity: str,
    now: datetime,
    limits: similarity.GateLimits | None = None,
) -> Recheck:
    """The version (already indexed; not indexed again) checked against every report
    indexed now, e.g. those submitted after it. The result replaces the version's earlier
    one. Above the threshold a 'clear' report is flagged; a 'cleared' one only when a
    source it did not match before (a report, or a new version of one) is among the
    matches. A flagged or misconduct report is the caller's to skip."""
    limits = limits or similarity.GateLimits()
    before = await repository.matched_sources(conn, report_id=report_id, version=version)
    # Reads only: no common fingerprint recorded (a season's re-check runs in one
    # transaction; those rows would be held against concurrent submissions' gates).
    _, outcome = await similarity.check_submission(
        conn,
        college=college,
        season=season,
        report_id=report_id,
        body=body,
        limits=limits,
        remember_common=False,
    )
    checked = similarity.CheckedVersion(college, season, report_id, version, body)
    matches = await similarity.store_check(conn, checked, outcome, limits=limits, now=now)
    found = [
        (outcome.sources[m.source_id].report_id, outcome.sources[m.source_id].version)
        for m in matches
    ]
    new_sources = tuple(r for r, v in found if (r, v) not in before)
    flaggable = integrity == "clear" or (integrity == "cleared" and bool(new_sources))
    flagged = (
        outcome.flagged
        and flaggable
        and await repository.flag_report_from(conn, report_id=report_id, integrity=integrity)
    )
    if flagged:
        await similarity.announce_flag(conn, checked, outcome, matches, now=now)
    return Recheck(
        min(1.0, outcome.result.containment),
        outcome.threshold,
        outcome.flagged,
        flagged,
        new_sources,
        tuple(r for r, _ in found),
    )


@dataclass(frozen=True)
class RecheckOutcome:
    """What a re-check did to one report (`checked` False: flagged or misconduct, left)."""

    report_id: UUID
    season: str
    version: int
    integrity_before: str
    integrity: str
    checked: bool
    flagged: bool
    containment: float | None = None
    threshold: float | None = None
    over_threshold: bool | None = None
    sources: tuple[UUID, ...] = ()
    new_sources: tuple[UUID, ...] = ()


async def recheck_report(
    conn: asyncpg.Connection,
    *,
    college: str,
    report_id: UUID,
    now: datetime,
    limits: similarity.GateLimits | None = None,
) -> RecheckOutcome:
    """The chair's re-check of one submitted report's current version."""
    report = await repository.report_for_recheck(conn, college=college, report_id=report_id)
    if report is None:
        raise NotFound("report", report_id)
    if report.current_version < 1 or report.body is None:
        raise RuleBroken(
            "not_submitted",
            field="report_id",
            message="the report has no version yet: there is nothing to re-check",
        )
    return await _recheck(conn, college=college, report=report, now=now, limits=limits)


async def _recheck(
    conn: asyncpg.Connection,
    *,
    college: str,
    report: repository.ReportToRecheck,
    now: datetime,
    limits: similarity.GateLimits | None,
) -> RecheckOutcome:
    left = RecheckOutcome(
        report.report_id,
        report.season,
        report.current_version,
        report.integrity,
        report.integrity,
        checked=False,
        flagged=False,
    )
    if report.integrity in ("flagged", "misconduct") or report.body is None:
        return left
    found = await recheck_version(
        conn,
        college=college,
        season=report.season,
        report_id=report.report_id,
        version=report.current_version,
        body=report.body,
        integrity=report.integrity,
        now=now,
        limits=limits,
    )
    return replace(
        left,
        integrity="flagged" if found.flagged else report.integrity,
        checked=True,
        flagged=found.flagged,
        containment=found.containment,
        threshold=found.threshold,
        over_threshold=found.over_threshold,
        sources=found.sources,
        new_sources=found.new_sources,
    )


@dataclass(frozen=True)
class SeasonRecheck:
    season: str
    reports: int
    checked: int
    flagged: tuple[UUID, ...]
    checked_at: datetime


async def recheck_season(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    now: datetime,
    limits: similarity.GateLimits | None = None,
) -> SeasonRecheck:
    """Every submitted report of the season re-checked (one transaction, reports locked in
    report id order); the flagged and misconduct ones are left as they are."""
    if not await repository.season_exists(conn, college=college, season=season):
        raise NotFound("season", season)
    outcomes = []
    for report_id in await repository.submitted_reports(conn, college=college, season=season):
        report = await repository.report_for_recheck(conn, college=college, report_id=report_id)
        if report is not None:
            outcomes.append(
                await _recheck(conn, college=college, report=report, now=now, limits=limits)
            )
    return SeasonRecheck(
        season,
        len(outcomes),
        sum(1 for o in outcomes if o.checked),
        tuple(o.report_id for o in outcomes if o.flagged),
        now,
    )


# The durable timer re-checking a season's cohort when its submission window closes
# (services/evaluation/due_actions.py), keyed by college and season.
SEASON_RECHECK = "season.similarity-recheck"


def recheck_key(college: str, season: str) -> str:
    return f"{college}/{season}"
