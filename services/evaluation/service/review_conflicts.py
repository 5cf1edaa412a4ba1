"""Declared conflicts of interest, and what one declared about a HELD report does.

A reviewer (for themself) or the chair (for anyone) declares a conflict about a report of
the season or about a person (every report that person authors). The solver never
assigns a conflicted pair afterwards. When the reviewer already holds such a report:
- the assignment is RELEASED: kept as a record (when, by whom, for which conflict), no
  longer a load nor a reviewer of the report;
- a review they had already submitted is WITHDRAWN from calibration: kept with its scores
  and comment, marked, shown to the chair only; the calibration, the committee grade and
  award screening read the remaining reviews;
- ONE replacement is appointed in the same transaction: eligible (no conflict of any
  kind, spare load, not already on the report), the least loaded first, by the same
  solver and independent checker as every assignment, emitting ReviewAssigned with
  why='conflict_replacement'. Nobody eligible left: the release still happens and the
  report shows in the season's `below_minimum`;
- refused (409 `grade_final`) once the report's grade is final: the reviews it rests on
  can no longer change (the teacher's decision is the place for that).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.evaluation.domain.assignment_checker import check_assignment
from services.evaluation.domain.review_assignment import Assignment
from services.evaluation.repository import review_assignments
from services.evaluation.repository import reviewers as committee
from services.evaluation.repository import reviews as repository
from services.evaluation.repository.reviewers import DeclaredConflict
from services.evaluation.service.assignments import (
    announce_assigned,
    season_problem,
    solve_for,
)
from shared.rules import NotFound, RuleBroken


@dataclass(frozen=True)
class Release:
    """A held assignment a declared conflict released, and what replaced it."""

    report_id: UUID
    released_reviewer_id: str
    replaced_by: str | None  # None: nobody eligible with spare load was left
    review_withdrawn: bool  # the released reviewer's submitted review left calibration
    reviewers: int  # the report's reviewers now
    below_minimum: bool  # fewer than the season's reviews_per_report


@dataclass(frozen=True)
class ConflictDeclared:
    conflict: DeclaredConflict
    releases: tuple[Release, ...]  # empty when the reviewer held none of its reports


async def declare_conflict(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    reviewer_id: str,
    report_id: UUID | None,
    person_id: str | None,
    reason: str,
    declared_by: str,
    now: datetime,
) -> ConflictDeclared:
    """Record a conflict (about a report of the season, or about a person); release and
    replace what the reviewer holds of it (rules in the module docstring). Declaring the
    same conflict again keeps the first declaration and changes nothing."""
    if not await committee.season_exists(conn, college=college, season=season):
        raise NotFound("season", season)
    await committee.lock_season_assignment(conn, college=college, season=season)
    field = "report_id" if report_id is not None else "person_id"
    if report_id is not None:
        facts = await repository.report_facts(conn, college=college, report_id=report_id)
        if facts is None or facts.season != season:
            raise NotFound("report", report_id)
        concerned = [report_id]
    else:
        concerned = [
            r.report_id
            for r in await repository.submitted_reports(conn, college=college, season=season)
            if person_id in r.author_ids
        ]
    held = [
        r
        for r in concerned
        if await review_assignments.is_assigned(conn, report_id=r, reviewer_id=reviewer_id)
    ]
    for held_id in held:
        if await repository.grade_finalised_at(conn, report_id=held_id) is not None:
            raise RuleBroken(
                "grade_final",
                field=field,
                message=f"the grade of report {held_id}, which {reviewer_id} reviews, is final:"
                " its reviews can no longer change",
            )
    candidate = DeclaredConflict(
        conflict_id=uuid4(),
        reviewer_id=reviewer_id,
        report_id=report_id,
        person_id=person_id,
        reason=reason,
        declared_by=declared_by,
        declared_at=now,
    )
    await committee.insert_conflict(conn, college=college, season=season, conflict=candidate)
    conflict = await committee.conflict_named(
        conn,
        college=college,
        season=season,
        reviewer_id=reviewer_id,
        report_id=report_id,
        person_id=person_id,
    )
    assert conflict is not None
    releases = await release_for_conflict(
        conn,
        college=college,
        season=season,
        conflict=conflict,
        held=held,
        released_by=declared_by,
        now=now,
    )
    return ConflictDeclared(conflict=conflict, releases=releases)


async def release_for_conflict(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    conflict: DeclaredConflict,
    held: Sequence[UUID],
    released_by: str,
    now: datetime,
) -> tuple[Release, ...]:
    """Release the conflicted reviewer's assignments to `held`, withdraw their submitted
    reviews of them, and appoint one replacement per report. The caller holds the
    season's lock and has recorded the conflict, so the solver already sees it."""
    if not held:
        return ()
    withdrawn: dict[UUID, bool] = {}
    for report_id in held:
        was_held = await review_assignments.release_assignment(
            conn,
            report_id=report_id,
            reviewer_id=conflict.reviewer_id,
            conflict_id=conflict.conflict_id,
            released_by=released_by,
            now=now,
        )
        if not was_held:
            raise RuntimeError(f"{conflict.reviewer_id} does not hold {report_id}")
        withdrawn[report_id] = await repository.withdraw_review(
            conn,
            report_id=report_id,
            reviewer_id=conflict.reviewer_id,
            reason=f"conflict declared by {released_by}: {conflict.reason}",
            now=now,
        )
    rubric = await committee.rubric_of(conn, college=college, season=season)
    minimum = rubric.reviews_per_report if rubric is not None else 0
    whole = await season_problem(conn, college=college, season=season, min_reviewers=minimum)
    releases = []
    for report_id in held:
        target = str(report_id)
        before = sum(1 for a in whole.existing if a.report_id == target)
        # exactly one more, if any (the solver off the event loop, the conn idle meanwhile)
        result, _ = await asyncio.to_thread(solve_for, whole, {target}, before + 1)
        replaced_by = None
        if result.new_assignments:
            (pair,) = result.new_assignments
            replaced_by = pair.reviewer_id
            await review_assignments.insert_replacement(
                conn,
                college=college,
                season=season,
                report_id=report_id,
                reviewer_id=replaced_by,
                conflict_id=conflict.conflict_id,
                now=now,
            )
            await announce_assigned(
                conn,
                college=college,
                season=season,
                pairs=[(report_id, replaced_by)],
                why="conflict_replacement",
                now=now,
            )
            whole = replace(whole, existing=(*whole.existing, pair))
        reviewers = before + (replaced_by is not None)
        releases.append(
            Release(
                report_id=report_id,
                released_reviewer_id=conflict.reviewer_id,
                replaced_by=replaced_by,
                review_withdrawn=withdrawn[report_id],
                reviewers=reviewers,
                below_minimum=reviewers < minimum,
            )
        )
    gone = {Assignment(str(r), conflict.reviewer_id) for r in held}
    check = check_assignment(whole, whole.existing)
    if gone & set(whole.existing) or check.overloads or check.duplicates or check.unknown:
        raise RuntimeError(f"the assignment after a conflict failed its independent check: {check}")
    return tuple(releases)
