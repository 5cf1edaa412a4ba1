"""The committee's setup (class rosters, reviewers, the conflicts declared, the rubric), review
submission and who sees which reviews (capability 4).

Visibility of a report's reviews, decided by `visible_reviews`:
- the chair (and a teacher, for the final review) sees every review: reviewer, scores,
  comment, and who is assigned;
- an assigned reviewer sees their own review; the others' scores and comments only once
  they submitted theirs, and never the others' identities (labelled "reviewer 1", "2", ...
  in submission order);
- an author (student) sees only the comments, and only once the grade is final; never a
  reviewer's identity or a score;
- anyone else: the report is not found (404), so nothing leaks.
A review withdrawn from calibration (its reviewer declared a conflict afterwards, see
service/review_conflicts.py) is shown, marked, to the chair and a teacher only.
A reviewer may resubmit (update) their review until the report's grade is final; the
first submission time is kept, each submission emits ReviewSubmitted.

The one exception after the grade is final: a reviewer appointed for a BORDERLINE report by
an award run (assignment why='borderline', see service/awards.py) submits their one review
and may revise it until the season's award run grants the prizes. That review feeds the
calibration the award screening ranks on; it NEVER changes the final grade (the grade row
is kept as the teacher gave it). Every other reviewer stays refused (409 `grade_final`);
after the grant the borderline reviewer is refused too (409 `awards_granted`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import asyncpg

from services.evaluation.domain.rubric import Criterion, Rubric
from services.evaluation.repository import review_assignments
from services.evaluation.repository import reviewers as committee
from services.evaluation.repository import reviews as repository
from services.evaluation.repository.review_assignments import AssignmentRow
from services.evaluation.repository.reviewers import DeclaredConflict, RubricRow, SeasonReviewer
from services.evaluation.repository.reviews import AssignedReport, ReviewRow
from services.evaluation.service import SOURCE
from shared.events.evaluation import ReviewSubmitted
from shared.messaging.outbox import append_to_outbox
from shared.rules import NotFound, RuleBroken

ViewerKind = Literal["chair", "teacher", "reviewer", "author"]


async def _season_of_college(conn: asyncpg.Connection, *, college: str, season: str) -> None:
    if not await committee.season_exists(conn, college=college, season=season):
        raise NotFound("season", season)


# --- rosters, reviewers, conflicts -----------------------------------------------------


async def set_class_roster(
    conn: asyncpg.Connection,
    *,
    college: str,
    class_id: str,
    member_ids: Sequence[str],
    now: datetime,
) -> list[str]:
    members = sorted(set(member_ids))
    await committee.replace_class_roster(
        conn, college=college, class_id=class_id, member_ids=members, now=now
    )
    return members


async def class_roster(conn: asyncpg.Connection, *, college: str, class_id: str) -> list[str]:
    return await committee.class_roster(conn, college=college, class_id=class_id)


async def set_reviewer(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    reviewer_id: str,
    load: int,
    class_id: str | None,
    active: bool,
    set_by: str,
    now: datetime,
) -> SeasonReviewer:
    """Add a committee reviewer to the season or change their load, class or activity.
    A load below what they already hold keeps their assignments and adds none."""
    await _season_of_college(conn, college=college, season=season)
    await committee.lock_season_assignment(conn, college=college, season=season)
    await committee.upsert_reviewer(
        conn,
        college=college,
        season=season,
        reviewer_id=reviewer_id,
        load=load,
        class_id=class_id,
        active=active,
        updated_by=set_by,
        now=now,
    )
    (found,) = await committee.season_reviewers(
        conn, college=college, season=season, reviewer_id=reviewer_id
    )
    return found


async def reviewers_of(
    conn: asyncpg.Connection, *, college: str, season: str
) -> list[SeasonReviewer]:
    await _season_of_college(conn, college=college, season=season)
    return await committee.season_reviewers(conn, college=college, season=season)


async def conflicts_of(
    conn: asyncpg.Connection, *, college: str, season: str, reviewer_id: str | None
) -> list[DeclaredConflict]:
    await _season_of_college(conn, college=college, season=season)
    return await committee.conflicts_of_season(
        conn, college=college, season=season, reviewer_id=reviewer_id
    )


# --- the rubric ------------------------------------------------------------------------


def rubric_from(row: RubricRow) -> Rubric:
    return Rubric(
        criteria=tuple(Criterion(c["key"], float(c["weight"])) for c in row.criteria),
        low=row.low,
        high=row.high,
    )


async def set_rubric(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    criteria: Sequence[Mapping[str, Any]],
    low: float,
    high: float,
    reviews_per_report: int,
    set_by: str,
    now: datetime,
) -> RubricRow:
    """Set the season's rubric (weights summing to 1, one score range); refused once a
    review has been submitted on it."""
    await _season_of_college(conn, college=college, season=season)
    await committee.lock_season_assignment(conn, college=college, season=season)
    Rubric(
        criteria=tuple(Criterion(c["key"], float(c["weight"])) for c in criteria),
        low=low,
        high=high,
    )
    if await repository.any_review(conn, college=college, season=season):
        raise RuleBroken(
            "rubric_in_use",
            field="criteria",
            message="reviews were already submitted on this rubric: it can no longer change",
        )
    await committee.upsert_rubric(
        conn,
        college=college,
        season=season,
        criteria=[dict(c) for c in criteria],
        low=low,
        high=high,
        reviews_per_report=reviews_per_report,
        updated_by=set_by,
        now=now,
    )
    found = await committee.rubric_of(conn, college=college, season=season)
    assert found is not None
    return found


async def rubric_of(conn: asyncpg.Connection, *, college: str, season: str) -> RubricRow:
    await _season_of_college(conn, college=college, season=season)
    found = await committee.rubric_of(conn, college=college, season=season)
    if found is None:
        raise NotFound("rubric", season)
    return found


# --- reviewing -------------------------------------------------------------------------


async def my_assigned_reports(
    conn: asyncpg.Connection, *, college: str, reviewer_id: str, season: str | None
) -> list[AssignedReport]:
    return await repository.assigned_reports(
        conn, college=college, reviewer_id=reviewer_id, season=season
    )


def refusal_after_final_grade(*, why: str, awards_granted: bool) -> RuleBroken | None:
    """Why a review of a report whose grade is final is refused (None: it is taken).
    Only a borderline reviewer (why='borderline') is taken, until the awards are granted;
    their review feeds award screening and never changes the final grade."""
    if why != "borderline":
        return RuleBroken(
            "grade_final",
            field="report_id",
            message="the report's grade is final: its reviews can no longer change",
        )
    if awards_granted:
        return RuleBroken(
            "awards_granted",
            field="report_id",
            message="the season's prizes are granted: the borderline review can no longer change",
        )
    return None


async def submit_review(
    conn: asyncpg.Connection,
    *,
    college: str,
    report_id: UUID,
    reviewer_id: str,
    scores: Mapping[str, float],
    comment: str,
    now: datetime,
) -> ReviewRow:
    """Score an assigned report on the season's rubric (or update one's review while the
    grade is not final; a borderline reviewer: until the awards are granted, see the module
    docstring); emits ReviewSubmitted with the weighted score."""
    facts = await repository.report_facts(conn, college=college, report_id=report_id)
    why = None
    if facts is not None:  # locked: a conflict released concurrently is waited for, then seen
        why = await review_assignments.hold_assignment(
            conn, report_id=report_id, reviewer_id=reviewer_id
        )
    if facts is None or why is None:
        raise NotFound("report", report_id)  # an unassigned report is not revealed
    row = await committee.rubric_of(conn, college=college, season=facts.season)
    if row is None:
        raise RuleBroken("no_rubric", field="rubric", message="the season has no rubric yet")
    score = rubric_from(row).weighted_score(scores)
    if await repository.grade_finalised_at(conn, report_id=report_id) is not None:
        granted = why == "borderline" and await repository.awards_granted(
            conn, college=college, season=facts.season
        )
        refusal = refusal_after_final_grade(why=why, awards_granted=granted)
        if refusal is not None:
            raise refusal
    await repository.upsert_review(
        conn,
        college=college,
        season=facts.season,
        report_id=report_id,
        reviewer_id=reviewer_id,
        scores=dict(scores),
        score=score,
        comment=comment,
        now=now,
    )
    event = ReviewSubmitted(
        college=college,
        report_id=report_id,
        season=facts.season,
        reviewer_id=reviewer_id,
        score=score,
        submitted_at=now,
    )
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    (review,) = [
        r
        for r in await repository.reviews_of_report(conn, report_id=report_id)
        if r.reviewer_id == reviewer_id
    ]
    return review


# --- visibility ------------------------------------------------------------------------


@dataclass(frozen=True)
class VisibleReview:
    reviewer_id: str | None  # None when hidden from the viewer
    label: str  # "reviewer 1", ... in submission order; the viewer's own: "mine"
    scores: dict[str, float] | None
    score: float | None
    comment: str
    submitted_at: datetime | None
    withdrawn_at: datetime | None = None  # withdrawn from calibration (chair/teacher only)


@dataclass(frozen=True)
class ReportReviews:
    report_id: UUID
    viewer: ViewerKind
    reviews: tuple[VisibleReview, ...]
    others_visible: bool  # False: some reviews exist (or may) that this viewer may not see
    assigned: tuple[AssignmentRow, ...]  # only for the chair and a teacher
    grade_final: bool


def visible_reviews(
    *,
    report_id: UUID,
    viewer: ViewerKind,
    viewer_id: str,
    reviews: Sequence[ReviewRow],
    assigned: Sequence[AssignmentRow],
    grade_final: bool,
) -> ReportReviews:
    """What this viewer may see of the report's reviews (rules in the module docstring)."""
    if viewer in ("chair", "teacher"):
        every = sorted(reviews, key=lambda r: (r.submitted_at, r.reviewer_id))
        shown = tuple(
            VisibleReview(
                r.reviewer_id,
                f"reviewer {i}",
                r.scores,
                r.score,
                r.comment,
                r.submitted_at,
                r.withdrawn_at,
            )
            for i, r in enumerate(every, start=1)
        )
        return ReportReviews(report_id, viewer, shown, True, tuple(assigned), grade_final)
    ordered = sorted(
        (r for r in reviews if r.withdrawn_at is None),
        key=lambda r: (r.submitted_at, r.reviewer_id),
    )
    labels = {r.reviewer_id: f"reviewer {i}" for i, r in enumerate(ordered, start=1)}
    if viewer == "author":
        if not grade_final:
            return ReportReviews(report_id, viewer, (), False, (), grade_final)
        shown = tuple(
            VisibleReview(None, f"reviewer {i}", None, None, r.comment, None)
            for i, r in enumerate(ordered, start=1)
        )
        return ReportReviews(report_id, viewer, shown, True, (), grade_final)
    mine = [r for r in ordered if r.reviewer_id == viewer_id]
    own = tuple(
        VisibleReview(r.reviewer_id, "mine", r.scores, r.score, r.comment, r.submitted_at)
        for r in mine
    )
    if not mine:
        return ReportReviews(report_id, viewer, (), False, (), grade_final)
    others = tuple(
        VisibleReview(None, labels[r.reviewer_id], r.scores, r.score, r.comment, r.submitted_at)
        for r in ordered
        if r.reviewer_id != viewer_id
    )
    return ReportReviews(report_id, viewer, own + others, True, (), grade_final)


async def reviews_for(
    conn: asyncpg.Connection,
    *,
    college: str,
    report_id: UUID,
    viewer_id: str,
    chair: bool,
    teacher: bool,
) -> ReportReviews:
    facts = await repository.report_facts(conn, college=college, report_id=report_id)
    if facts is None:
        raise NotFound("report", report_id)
    viewer: ViewerKind
    if chair:
        viewer = "chair"
    elif teacher:
        viewer = "teacher"
    elif await review_assignments.is_assigned(conn, report_id=report_id, reviewer_id=viewer_id):
        viewer = "reviewer"
    elif viewer_id in facts.author_ids:
        viewer = "author"
    else:
        raise NotFound("report", report_id)
    return visible_reviews(
        report_id=report_id,
        viewer=viewer,
        viewer_id=viewer_id,
        reviews=await repository.reviews_of_report(conn, report_id=report_id),
        assigned=await review_assignments.assignments_of_report(conn, report_id=report_id),
        grade_final=await repository.grade_finalised_at(conn, report_id=report_id) is not None,
    )
