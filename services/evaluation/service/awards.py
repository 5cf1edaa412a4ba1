"""Award use cases: the screening run on calibrated scores, prizes, their withdrawal on
misconduct, and excellence applications (only for the reports the season's final run
found eligible); each runs in the one transaction it is handed."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.evaluation.domain.awards import (
    TIERS,
    AwardConfig,
    AwardResult,
    award,
    may_apply,
)
from services.evaluation.domain.calibration import ReportCalibration
from services.evaluation.repository import awards as repository
from services.evaluation.repository import grades as grades_repository
from services.evaluation.repository.awards import Application, AwardRow, FinalRun, SecondLook
from services.evaluation.service import SOURCE
from services.evaluation.service import defenses as defense_service
from services.evaluation.service.assignments import assign_one_more
from services.evaluation.service.calibrations import season_calibration
from shared.events.evaluation import AwardGranted, AwardWithdrawn
from shared.messaging.outbox import append_to_outbox
from shared.rules import NotFound, RuleBroken


async def withdraw_for_misconduct(
    conn: asyncpg.Connection, *, college: str, report_id: UUID, reason: str, now: datetime
) -> None:
    """Misconduct decided: the report is out of every later award run, a prize it holds
    is withdrawn (AwardWithdrawn), and so is its excellence application (kept, with the
    reason) and its defense, scheduled or decided (DefenseWithdrawn). Idempotent: a
    second call changes nothing."""
    report = await grades_repository.report_facts(conn, college=college, report_id=report_id)
    if report is None:
        raise NotFound("report", report_id)
    await repository.exclude(conn, college=college, report_id=report_id, reason=reason, now=now)
    held = await repository.award_of(conn, report_id=report_id, for_update=True)
    if held is not None and held.withdrawn_at is None:
        await repository.withdraw_award(conn, report_id=report_id, reason=reason, now=now)
        event = AwardWithdrawn(
            college=college,
            report_id=report_id,
            season=held.season,
            prize=held.prize,
            reason=reason[:4000],
            withdrawn_at=now,
        )
        await append_to_outbox(conn, [event], source=SOURCE, now=now)
    # The application's row lock first: a scheduling in progress (which holds it) commits
    # its defense before the defense is looked up here.
    await repository.withdraw_application(
        conn, college=college, report_id=report_id, reason=reason, now=now
    )
    await defense_service.withdraw_for_misconduct(
        conn, college=college, report_id=report_id, reason=reason, now=now
    )


@dataclass(frozen=True)
class HeldBack:
    """A borderline report: its placement waits for one more review."""

    report_id: UUID
    reviewer_id: str | None
    requested_at: datetime
    reviews_then: int


@dataclass(frozen=True)
class AwardRun:
    run_id: UUID
    season: str
    status: str  # 'pending' (borderline reports wait for one more review) or 'final'
    result: AwardResult
    scores: dict[str, ReportCalibration]
    held_back: tuple[HeldBack, ...]
    granted: tuple[AwardRow, ...]


async def _candidates(
    conn: asyncpg.Connection, *, college: str, season: str
) -> tuple[list[ReportCalibration], set[str]]:
    """The season's calibrated reports (exclusions and misconduct out) and the ids of the
    graded passing ones among them."""
    calibration = await season_calibration(conn, college=college, season=season)
    excluded = {
        str(i) for i in await repository.excluded_of_season(conn, college=college, season=season)
    }
    grades = await grades_repository.grades_of_season(conn, college=college, season=season)
    passing = {str(g.report_id) for g in grades if g.passed} - excluded
    calibrated = [r for r in calibration.reports if r.report_id not in excluded]
    return calibrated, passing


async def run_awards(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    config: AwardConfig,
    by: str,
    now: datetime,
) -> AwardRun:
    """Screen the season's graded, passing reports on calibrated scores and place the
    prizes. Borderline reports get one more reviewer (REVIEWS' assign_one_more) and the
    run stays pending; a run with none held back grants the prizes (AwardGranted each).
    Refused (409 season_not_settled, naming them) while a submitted report has an open
    integrity flag or no final grade: the one final run would leave it out for good; and
    (409 submission_window_open) while an expected report may still come on time."""
    window = await repository.lock_season(conn, college=college, season=season)
    if window is None:
        raise NotFound("season", season)
    if await repository.final_run(conn, college=college, season=season) is not None:
        raise RuleBroken(
            "awards_already_granted",
            field="season",
            message="the season's prizes are already granted",
        )
    awaited = await repository.awaited_of_season(conn, college=college, season=season)
    window.check_none_awaited(now, awaited=awaited)
    unsettled = await repository.unsettled_of_season(conn, college=college, season=season)
    if unsettled:
        named = ", ".join(f"{report_id} ({why})" for report_id, why in unsettled[:10])
        raise RuleBroken(
            "season_not_settled",
            field="season",
            message=f"{len(unsettled)} submitted report(s) cannot be placed yet: {named}"
            + (", ..." if len(unsettled) > 10 else "")
            + "; the chair decides an open flag, the committee reviews (not_reviewed), the"
            " teacher finalises the grade, and then the run goes on",
        )
    calibrated, passing = await _candidates(conn, college=college, season=season)
    screened = [r for r in calibrated if r.report_id in passing]
    if not screened:
        raise RuleBroken(
            "no_graded_reports",
            field="season",
            message="no report of the season has a passing final grade and calibrated scores",
        )
    looks = await repository.second_looks(conn, college=college, season=season)
    scores = {r.report_id: r for r in screened}
    again = {
        str(report_id)
        for report_id, look in looks.items()
        if str(report_id) in scores
        and (look.reviewer_id is None or scores[str(report_id)].reviews > look.reviews_then)
    }
    result = award(screened, passed=passing, reviewed_again=again, config=config)
    run_id = uuid4()
    status = "final" if result.final else "pending"
    await repository.insert_run(
        conn,
        run_id=run_id,
        college=college,
        season=season,
        config=asdict(config),
        status=status,
        held_back=[UUID(i) for i in result.held_back],
        excellence_eligible=[UUID(i) for i in result.excellence_eligible] if result.final else None,
        by=by,
        now=now,
    )
    held: list[HeldBack] = []
    for report_id in (UUID(i) for i in result.held_back):
        look = looks.get(report_id)
        if look is None:
            reviewer = await assign_one_more(conn, college=college, report_id=report_id, now=now)
            look = SecondLook(report_id, run_id, scores[str(report_id)].reviews, reviewer, now)
            await repository.insert_second_look(conn, college=college, season=season, look=look)
        held.append(HeldBack(report_id, look.reviewer_id, look.requested_at, look.reviews_then))
    granted: list[AwardRow] = []
    if result.final:
        granted = await _grant(
            conn,
            college=college,
            season=season,
            run_id=run_id,
            result=result,
            scores=scores,
            now=now,
        )
    return AwardRun(run_id, season, status, result, scores, tuple(held), tuple(granted))


async def _grant(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    run_id: UUID,
    result: AwardResult,
    scores: dict[str, ReportCalibration],
    now: datetime,
) -> list[AwardRow]:
    rows = [
        AwardRow(
            report_id=UUID(report_id),
            college=college,
            season=season,
            run_id=run_id,
            prize=tier,
            calibrated_score=scores[report_id].calibrated,
            granted_at=now,
            withdrawn_at=None,
            withdraw_reason=None,
        )
        for tier in TIERS
        for report_id in result.prizes[tier]
    ]
    await repository.insert_awards(conn, rows)
    authors = {
        str(r.report_id): r.author_ids
        for r in await grades_repository.reports_of_season(conn, college=college, season=season)
    }
    events = [
        AwardGranted(
            college=college,
            report_id=row.report_id,
            season=season,
            prize=row.prize,
            calibrated_score=row.calibrated_score,
            author_ids=list(authors[str(row.report_id)]),
            granted_at=now,
        )
        for row in rows
    ]
    await append_to_outbox(conn, events, source=SOURCE, now=now)
    return rows


async def awards_of_season(
    conn: asyncpg.Connection, *, college: str, season: str
) -> list[AwardRow]:
    if not await grades_repository.season_exists(conn, college=college, season=season):
        raise NotFound("season", season)
    return await repository.awards_of_season(conn, college=college, season=season)


async def apply_for_excellence(
    conn: asyncpg.Connection, *, college: str, report_id: UUID, applicant_id: str, now: datetime
) -> Application:
    """A passing report the season's final award run found eligible (the top
    `excellence_ratio` of the passing reports it ranked) applies for the excellence review
    (the route lets only its submitter call this). Refused before the run is final."""
    # FOR SHARE: an integrity decision in progress (which locks the report) either comes
    # first and is seen below, or waits for this application and then withdraws it.
    report = await grades_repository.report_facts(
        conn, college=college, report_id=report_id, for_update=True
    )
    if report is None:
        raise NotFound("report", report_id)
    grade = await grades_repository.grade_of(conn, college=college, report_id=report_id)
    run = await repository.final_run(conn, college=college, season=report.season)
    may_apply(
        str(report_id),
        passed=grade is not None and grade.passed,
        misconduct=await repository.is_excluded(conn, college=college, report_id=report_id),
        final_eligible=None
        if run is None
        else await _final_eligible(conn, college=college, season=report.season, run=run),
    )
    application = Application(report_id, college, report.season, applicant_id, now)
    if not await repository.insert_application(conn, application):
        raise RuleBroken("already_applied", field="report_id", message="the report already applied")
    return application


async def _final_eligible(
    conn: asyncpg.Connection, *, college: str, season: str, run: FinalRun
) -> tuple[str, ...]:
    """The final run's excellence-eligible reports, as it stored them. A run made before
    migration 0010 stored none: its ranking is made again with its excellence_ratio."""
    if run.excellence_eligible is not None:
        return tuple(str(i) for i in run.excellence_eligible)
    calibrated, passing = await _candidates(conn, college=college, season=season)
    screened = [r for r in calibrated if r.report_id in passing]
    config = AwardConfig(excellence_ratio=float(run.config["excellence_ratio"]))
    return award(screened, passed=passing, config=config).excellence_eligible


async def applications_of_season(
    conn: asyncpg.Connection, *, college: str, season: str
) -> list[Application]:
    if not await grades_repository.season_exists(conn, college=college, season=season):
        raise NotFound("season", season)
    return await repository.applications_of_season(conn, college=college, season=season)
