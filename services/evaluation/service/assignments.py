"""Committee review assignment: the season's run, late arrivals, one more reviewer.

Every answer of the min-cost flow solver is judged by the independent checker
(domain.assignment_checker) BEFORE anything is stored: a conflict, an overload, a moved
assignment or an unknown pair is a bug and stops the transaction. Existing assignments
are never moved or removed; each change of a season's assignments holds the season's
advisory lock until its transaction ends, so two runs or arrivals never race.

Conflicts: the reviewer is one of the report's authors (or of its team), the team's
advisor, declared a conflict about the report or about one of its authors, or is in the
same class as one of its authors (their class on the reviewer list, else their roster's).

The one exception to "never removed": a conflict declared about a report the reviewer
already holds RELEASES that assignment (kept as a record, no longer a load) and appoints
one replacement (why='conflict_replacement'), see service/review_conflicts.py.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.evaluation.assignment.solver import assign_reviewers
from services.evaluation.domain.assignment_checker import AssignmentCheck, check_assignment
from services.evaluation.domain.review_assignment import (
    Assignment,
    ReportToReview,
    ReviewAssignmentProblem,
    ReviewAssignmentResult,
    ReviewerToAssign,
    Shortfall,
)
from services.evaluation.repository import review_assignments
from services.evaluation.repository import reviewers as committee
from services.evaluation.repository import reviews as repository
from services.evaluation.repository.review_assignments import AssignmentRow, ReleasedAssignment
from services.evaluation.repository.reviewers import DeclaredConflict, SeasonReviewer
from services.evaluation.repository.reviews import ReportFacts
from services.evaluation.service import SOURCE
from shared.events.evaluation import ReviewAssigned
from shared.messaging.outbox import append_to_outbox
from shared.rules import NotFound, RuleBroken

SHORTFALLS_NAMED = 20  # reports named in a refusal's message


@dataclass(frozen=True)
class AssignmentRun:
    run_id: UUID
    season: str
    reports: int
    new_assignments: tuple[Assignment, ...]
    loads: dict[str, int]
    load_spread: int
    reviewer_groups: int  # groups of reviewers no common report links (1: all comparable)


def build_problem(
    *,
    reports: Sequence[ReportFacts],
    reviewers: Sequence[SeasonReviewer],
    conflicts: Sequence[DeclaredConflict],
    classes: dict[str, frozenset[str]],
    existing: Sequence[AssignmentRow],
    min_reviewers: int,
) -> ReviewAssignmentProblem:
    """The domain's problem over these reports: conflicts of every kind, loads left as
    they are for an inactive reviewer, an existing overload kept (never added to)."""
    authored: dict[str, set[str]] = {}
    for report in reports:
        for person in report.author_ids:
            authored.setdefault(person, set()).add(str(report.report_id))
    declared: dict[str, set[str]] = {}
    for conflict in conflicts:
        mine = declared.setdefault(conflict.reviewer_id, set())
        if conflict.report_id is not None:
            mine.add(str(conflict.report_id))
        if conflict.person_id is not None:
            mine |= authored.get(conflict.person_id, set())
    held = Counter(a.reviewer_id for a in existing)
    return ReviewAssignmentProblem(
        reports=tuple(
            ReportToReview(
                report_id=str(report.report_id),
                member_ids=frozenset(report.author_ids),
                advisor_id=report.advisor_id,
                class_ids=frozenset().union(
                    *(classes.get(p, frozenset()) for p in report.author_ids)
                ),
            )
            for report in reports
        ),
        reviewers=tuple(
            ReviewerToAssign(
                reviewer_id=reviewer.reviewer_id,
                load_limit=(
                    max(reviewer.load, held[reviewer.reviewer_id])
                    if reviewer.active
                    else held[reviewer.reviewer_id]
                ),
                class_id=reviewer.class_id,
                conflict_report_ids=frozenset(declared.get(reviewer.reviewer_id, set())),
            )
            for reviewer in reviewers
        ),
        min_reviewers=min_reviewers,
        existing=tuple(Assignment(str(a.report_id), a.reviewer_id) for a in existing),
    )


def shortfall_message(shortfalls: Sequence[Shortfall]) -> str:
    total = sum(s.missing for s in shortfalls)
    named = ", ".join(
        f"{s.report_id} needs {s.missing} more" for s in shortfalls[:SHORTFALLS_NAMED]
    )
    more = len(shortfalls) - SHORTFALLS_NAMED
    tail = f" and {more} more reports" if more > 0 else ""
    return (
        f"{total} reviewer(s) short over {len(shortfalls)} report(s) (conflicts and loads"
        f" leave too few eligible reviewers): {named}{tail}"
    )


@dataclass(frozen=True)
class _Season:
    reports: list[ReportFacts]
    problem: ReviewAssignmentProblem  # every submitted report, every reviewer, every assignment


async def season_problem(
    conn: asyncpg.Connection, *, college: str, season: str, min_reviewers: int
) -> ReviewAssignmentProblem:
    """Every submitted report, every reviewer, every held assignment of the season."""
    found = await _season(conn, college=college, season=season, min_reviewers=min_reviewers)
    return found.problem


async def _season(
    conn: asyncpg.Connection, *, college: str, season: str, min_reviewers: int
) -> _Season:
    reports = await repository.submitted_reports(conn, college=college, season=season)
    reviewers = await committee.season_reviewers(conn, college=college, season=season)
    conflicts = await committee.conflicts_of_season(conn, college=college, season=season)
    people = sorted({p for report in reports for p in report.author_ids})
    classes = await committee.classes_of(conn, college=college, person_ids=people)
    existing = await review_assignments.assignments_of_season(conn, college=college, season=season)
    problem = build_problem(
        reports=reports,
        reviewers=reviewers,
        conflicts=conflicts,
        classes=classes,
        existing=existing,
        min_reviewers=min_reviewers,
    )
    return _Season(reports=reports, problem=problem)


def solve_for(
    whole: ReviewAssignmentProblem, targets: set[str], min_reviewers: int
) -> tuple[ReviewAssignmentResult, AssignmentCheck]:
    """Solve for the target reports only (the others' assignments count as loads), then
    judge the whole season's assignments with the independent checker. Pure and up to
    about a second on a large season: the use cases run it off the event loop
    (`asyncio.to_thread`) on the frozen problem, their connection untouched meanwhile."""
    part = ReviewAssignmentProblem(
        reports=tuple(r for r in whole.reports if r.report_id in targets),
        reviewers=whole.reviewers,
        min_reviewers=min_reviewers,
        existing=whole.existing,
    )
    result = assign_reviewers(part)
    check = check_assignment(whole, (*whole.existing, *result.new_assignments))
    if not _new_ones_sound(check, result.new_assignments, targets):
        raise RuntimeError(f"the review assignment failed its independent check: {check}")
    return result, check


def _new_ones_sound(check: AssignmentCheck, new: Sequence[Assignment], targets: set[str]) -> bool:
    """Nothing new conflicts, overloads, duplicates or is unknown; nothing existing was
    dropped; only target reports got reviewers. (An existing assignment a conflict
    declared or a roster changed later would now refuse is kept, never judged here.)"""
    added = set(new)
    return not (
        any(pair in added for pair, _ in check.conflicts)
        or check.overloads
        or check.unknown
        or check.duplicates
        or check.existing_dropped
        or any(a.report_id not in targets for a in new)
    )


async def _store(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    new: Sequence[Assignment],
    why: str,
    run_id: UUID | None,
    now: datetime,
) -> None:
    pairs = [(UUID(a.report_id), a.reviewer_id) for a in new]
    await review_assignments.insert_assignments(
        conn, college=college, season=season, pairs=pairs, why=why, run_id=run_id, now=now
    )
    await announce_assigned(conn, college=college, season=season, pairs=pairs, why=why, now=now)


async def announce_assigned(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    pairs: Sequence[tuple[UUID, str]],
    why: str,
    now: datetime,
) -> None:
    await append_to_outbox(
        conn,
        [
            ReviewAssigned(
                college=college,
                report_id=report_id,
                season=season,
                reviewer_id=reviewer,
                why=why,
                assigned_at=now,
            )
            for report_id, reviewer in pairs
        ],
        source=SOURCE,
        now=now,
    )


async def _reviews_per_report(conn: asyncpg.Connection, *, college: str, season: str) -> int:
    rubric = await committee.rubric_of(conn, college=college, season=season)
    if rubric is None:
        raise RuleBroken(
            "no_rubric",
            field="rubric",
            message=f"season {season} has no rubric yet: set it (with reviews_per_report) first",
        )
    return rubric.reviews_per_report


async def run_assignment(
    conn: asyncpg.Connection, *, college: str, season: str, run_by: str, now: datetime
) -> AssignmentRun:
    """Assign every submitted report below the minimum; refuse (409) when the minimum
    cannot be met, naming the reports short and by how many; existing ones never move."""
    if not await committee.season_exists(conn, college=college, season=season):
        raise NotFound("season", season)
    await committee.lock_season_assignment(conn, college=college, season=season)
    minimum = await _reviews_per_report(conn, college=college, season=season)
    whole = (await _season(conn, college=college, season=season, min_reviewers=minimum)).problem
    targets = {r.report_id for r in whole.reports}
    result, check = await asyncio.to_thread(solve_for, whole, targets, minimum)
    if result.shortfalls:
        raise RuleBroken(
            "reviewers_short",
            field="reviews_per_report",
            message=shortfall_message(result.shortfalls),
        )
    run_id = uuid4()
    await review_assignments.insert_run(
        conn,
        run_id=run_id,
        college=college,
        season=season,
        run_by=run_by,
        ran_at=now,
        reports=len(whole.reports),
        assignments=len(result.new_assignments),
        load_spread=check.load_spread,
    )
    await _store(
        conn,
        college=college,
        season=season,
        new=result.new_assignments,
        why="initial",
        run_id=run_id,
        now=now,
    )
    loads = Counter(a.reviewer_id for a in result.assignments)
    return AssignmentRun(
        run_id=run_id,
        season=season,
        reports=len(whole.reports),
        new_assignments=result.new_assignments,
        loads={r.reviewer_id: loads[r.reviewer_id] for r in whole.reviewers},
        load_spread=check.load_spread,
        reviewer_groups=check.reviewer_groups,
    )


async def assign_on_arrival(
    conn: asyncpg.Connection, *, college: str, season: str, report_id: UUID, now: datetime
) -> None:
    """After a report's first version: nothing until the season's run has happened; then
    its reviewers (why='late_arrival'), around every existing assignment. A submission is
    never refused for want of reviewers: a shortfall stays visible in the season's
    assignments and the next run tops the report up."""
    await committee.lock_season_assignment(conn, college=college, season=season)
    if not await review_assignments.has_run(conn, college=college, season=season):
        return
    minimum = await _reviews_per_report(conn, college=college, season=season)
    whole = (await _season(conn, college=college, season=season, min_reviewers=minimum)).problem
    target = str(report_id)
    if target not in {r.report_id for r in whole.reports}:
        return  # not submitted (or not of this season): nothing to assign
    result, _ = await asyncio.to_thread(solve_for, whole, {target}, minimum)
    await _store(
        conn,
        college=college,
        season=season,
        new=result.new_assignments,
        why="late_arrival",
        run_id=None,
        now=now,
    )


async def assign_one_more(
    conn: asyncpg.Connection, *, college: str, report_id: UUID, now: datetime
) -> str | None:
    """One more eligible reviewer for a (borderline) report, the least loaded first
    (why='borderline'); None when nobody eligible with spare load is left."""
    facts = await repository.report_facts(conn, college=college, report_id=report_id)
    if facts is None:
        raise NotFound("report", report_id)
    if facts.current_version < 1:
        raise RuleBroken(
            "report_not_submitted", field="report_id", message="the report has not been submitted"
        )
    season = facts.season
    await committee.lock_season_assignment(conn, college=college, season=season)
    whole = (await _season(conn, college=college, season=season, min_reviewers=0)).problem
    target = str(report_id)
    held = sum(1 for a in whole.existing if a.report_id == target)
    result, _ = await asyncio.to_thread(solve_for, whole, {target}, held + 1)
    if not result.new_assignments:
        return None
    await _store(
        conn,
        college=college,
        season=season,
        new=result.new_assignments,
        why="borderline",
        run_id=None,
        now=now,
    )
    return result.new_assignments[0].reviewer_id


@dataclass(frozen=True)
class SeasonAssignments:
    assignments: tuple[AssignmentRow, ...]
    below_minimum: tuple[Shortfall, ...]  # submitted reports with fewer reviewers than needed
    load_spread: int
    reviews_per_report: int | None
    reviewer_groups: int
    released: tuple[ReleasedAssignment, ...] = ()  # by declared conflicts, kept as records


async def season_check(
    conn: asyncpg.Connection, *, college: str, season: str
) -> tuple[ReviewAssignmentProblem, AssignmentCheck]:
    """The season's held assignments as the independent checker judges them."""
    rubric = await committee.rubric_of(conn, college=college, season=season)
    minimum = rubric.reviews_per_report if rubric is not None else 0
    problem = (await _season(conn, college=college, season=season, min_reviewers=minimum)).problem
    return problem, check_assignment(problem, problem.existing)


async def season_assignments(
    conn: asyncpg.Connection, *, college: str, season: str
) -> SeasonAssignments:
    if not await committee.season_exists(conn, college=college, season=season):
        raise NotFound("season", season)
    rubric = await committee.rubric_of(conn, college=college, season=season)
    _, check = await season_check(conn, college=college, season=season)
    rows = await review_assignments.assignments_of_season(conn, college=college, season=season)
    return SeasonAssignments(
        assignments=tuple(rows),
        below_minimum=check.below_minimum,
        load_spread=check.load_spread,
        reviews_per_report=None if rubric is None else rubric.reviews_per_report,
        reviewer_groups=check.reviewer_groups,
        released=tuple(
            await review_assignments.released_of_season(conn, college=college, season=season)
        ),
    )
