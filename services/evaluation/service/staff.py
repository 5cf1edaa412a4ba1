"""Staff assessment use cases: terms, officers' scores and sanctions, publishing a
member's assessment for a term, and reading it back with the events each figure came from.

Publishing folds every stored fact of the member that falls in the term (facts come
from scheduling's events, in any order, replays ignored), the officers' scores and
sanctions, with the domain's `assess`, and stores the figures. Publishing again gives a
new VERSION only when a figure changed (a new fact, a new score or sanction, a moved term
window); publishing with nothing new returns the latest version and emits nothing. When
nothing is left to assess (a sanction annulled was the only record, facts or scores went
away), a withdrawn version (no total, no figures) stands in for the one published. Every
version is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.evaluation.domain.assessment_versions import has_record, publishing_step
from services.evaluation.domain.officer_sanctions import (
    Annulment,
    DismissedFrom,
    OfficerSanction,
    OfficerSanctionKind,
    OrganisationKind,
    check_not_own,
    check_one_dismissal,
    dismissed_from,
)
from services.evaluation.domain.staff_assessment import (
    CRITERIA,
    SCORE_MAX,
    SCORE_MIN,
    Criterion,
    DutyRecord,
    OfficerScore,
    Term,
)
from services.evaluation.repository import staff as repository
from services.evaluation.repository.staff import (
    AssessmentRow,
    FactRow,
    SanctionRow,
    ScoreRow,
    TermRow,
)
from services.evaluation.service import SOURCE
from services.evaluation.service.staff_facts import fact_of
from services.evaluation.service.staff_figures import event_figures, stored_figures
from shared.events.evaluation import (
    StaffAssessmentPublished,
    StaffAssessmentWithdrawn,
    StaffSanctionAnnulled,
    StaffSanctionImposed,
)
from shared.messaging.outbox import append_to_outbox
from shared.paging import Paging
from shared.rules import NotFound, RuleBroken


@dataclass(frozen=True)
class Published:
    assessment: AssessmentRow
    new: bool


@dataclass(frozen=True)
class Traced:
    """An assessment and the facts its figures name (the evidence, by event id), the
    officers' scores and the officers' sanctions (by their ids)."""

    assessment: AssessmentRow
    evidence: tuple[FactRow, ...]
    scores: tuple[ScoreRow, ...]
    sanctions: tuple[SanctionRow, ...] = ()


# --- terms -------------------------------------------------------------------------------------


async def set_term(
    conn: asyncpg.Connection,
    *,
    college: str,
    term: str,
    starts_at: datetime,
    ends_at: datetime,
    by: str,
    now: datetime,
) -> TermRow:
    Term(term, starts_at, ends_at)  # the domain's check: a term ends after it starts
    row = TermRow(college, term, starts_at, ends_at, by, now)
    await repository.upsert_term(conn, row)
    return row


async def term_of(
    conn: asyncpg.Connection, *, college: str, term: str, for_update: bool = False
) -> TermRow:
    found = await repository.get_term(conn, college=college, term=term, for_update=for_update)
    if found is None:
        raise NotFound("term", term)
    return found


# --- officers' scores -------------------------------------------------------------------------


async def score_member(
    conn: asyncpg.Connection,
    *,
    college: str,
    term: str,
    person_id: str,
    officer_id: str,
    scores: dict[Criterion, float],
    comment: str,
    now: datetime,
) -> list[ScoreRow]:
    """The officer's scores of the member (one per criterion given), replacing theirs;
    never of the officer themself."""
    await term_of(conn, college=college, term=term)
    if officer_id == person_id:
        raise RuleBroken(
            "own_assessment",
            field="person_id",
            message="an officer does not score their own assessment",
        )
    for criterion, value in scores.items():
        if criterion not in CRITERIA:
            raise RuleBroken(
                "unknown_criterion", field=criterion, message="not a criterion", invalid=True
            )
        if not SCORE_MIN <= value <= SCORE_MAX:
            raise RuleBroken(
                "score_out_of_range",
                field=criterion,
                message=f"{criterion} is scored between {SCORE_MIN:g} and {SCORE_MAX:g}",
                invalid=True,
            )
    for criterion, value in scores.items():
        await repository.put_score(
            conn,
            college=college,
            term=term,
            person_id=person_id,
            officer_id=officer_id,
            score=ScoreRow(uuid4(), officer_id, criterion, value, comment, now),
        )
    return await repository.scores_of(conn, college=college, term=term, person_id=person_id)


# --- officers' sanctions ----------------------------------------------------------------------


def officer_sanction(row: SanctionRow) -> OfficerSanction:
    annulment = None
    if row.annulled_at is not None:
        annulment = Annulment(row.annulled_by or "", row.annul_reason or "", row.annulled_at)
    return OfficerSanction(
        row.sanction_id,
        row.imposed_by,
        row.kind,  # type: ignore[arg-type]
        row.reason,
        row.imposed_at,
        annulment,
        _organisation(row),
    )


def _organisation(row: SanctionRow) -> DismissedFrom | None:
    if row.organisation_kind is None or row.organisation_id is None:
        return None
    return DismissedFrom(row.organisation_kind, row.organisation_id)  # type: ignore[arg-type]


async def impose_sanction(
    conn: asyncpg.Connection,
    *,
    college: str,
    term: str,
    person_id: str,
    officer_id: str,
    kind: OfficerSanctionKind,
    reason: str,
    now: datetime,
    organisation_kind: OrganisationKind | None = None,
    organisation_id: str | None = None,
) -> SanctionRow:
    """An officer's sanction of the member for the term (never of the officer themself; no
    second dismissal from one organisation beside one not annulled); StaffSanctionImposed.
    It enters the member's conduct when the assessment is next published; a dismissal names
    the organisation the member leaves (recruitment ends that membership), the other kinds
    none."""
    # The term locked: two dismissals of one member asked at once are decided one by one.
    await term_of(conn, college=college, term=term, for_update=True)
    check_not_own(officer_id=officer_id, person_id=person_id)
    left = dismissed_from(kind, organisation_kind, organisation_id)
    row = SanctionRow(uuid4(), college, term, person_id, kind, reason, officer_id, now)
    if left is not None:
        row = replace(row, organisation_kind=left.kind, organisation_id=left.id)
    officer_sanction(row)  # the domain's checks: a known kind, a reason
    held = await repository.sanctions_of(conn, college=college, term=term, person_id=person_id)
    check_one_dismissal((officer_sanction(h) for h in held), kind, left)
    await repository.insert_sanction(conn, row)
    event = StaffSanctionImposed(
        college=college,
        sanction_id=row.sanction_id,
        person_id=person_id,
        term=term,
        kind=kind,
        reason=reason,
        imposed_by=officer_id,
        imposed_at=now,
        organisation_kind=row.organisation_kind,
        organisation_id=row.organisation_id,
    )
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return row


async def annul_sanction(
    conn: asyncpg.Connection,
    *,
    college: str,
    term: str,
    person_id: str,
    sanction_id: UUID,
    by: str,
    reason: str,
    now: datetime,
) -> SanctionRow:
    """Annul the member's sanction imposed by mistake (an officer or the chair, never the
    member sanctioned; once): kept with its annulment, it no longer counts from the next
    published version on; StaffSanctionAnnulled."""
    await term_of(conn, college=college, term=term)
    found = await repository.sanction_for_update(
        conn, college=college, term=term, person_id=person_id, sanction_id=sanction_id
    )
    if found is None:
        raise NotFound("sanction", sanction_id)
    officer_sanction(found).annul(person_id=person_id, by=by, reason=reason, at=now)
    row = replace(found, annulled_at=now, annulled_by=by, annul_reason=reason)
    await repository.annul_sanction(conn, row)
    event = StaffSanctionAnnulled(
        college=college,
        sanction_id=sanction_id,
        person_id=person_id,
        term=term,
        kind=found.kind,
        reason=reason,
        annulled_by=by,
        annulled_at=now,
        organisation_kind=found.organisation_kind,
        organisation_id=found.organisation_id,
    )
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return row


async def sanctions_of(
    conn: asyncpg.Connection, *, college: str, term: str, person_id: str
) -> list[SanctionRow]:
    await term_of(conn, college=college, term=term)
    return await repository.sanctions_of(conn, college=college, term=term, person_id=person_id)


# --- publishing ---------------------------------------------------------------------------------


async def publish(
    conn: asyncpg.Connection,
    *,
    college: str,
    term: str,
    person_id: str,
    by: str,
    now: datetime,
) -> Published:
    """Compute and store the member's assessment for the term; StaffAssessmentPublished.
    With nothing left to assess, a withdrawn version stands in for the one published
    (StaffAssessmentWithdrawn); see domain/assessment_versions.py."""
    window = await term_of(conn, college=college, term=term, for_update=True)
    record = DutyRecord(person_id, Term(window.term, window.starts_at, window.ends_at))
    facts = await repository.facts_of(conn, college=college, person_id=person_id, term=window)
    record = record.fold_all(fact_of(f) for f in facts)
    for s in await repository.scores_of(conn, college=college, term=term, person_id=person_id):
        record = record.score(OfficerScore(s.score_id, s.officer_id, s.criterion, s.score))  # type: ignore[arg-type]
    for sanction in await repository.sanctions_of(
        conn, college=college, term=term, person_id=person_id
    ):
        record = record.sanction(officer_sanction(sanction))
    total, figures = stored_figures(record)
    latest = await repository.assessment_of(conn, college=college, term=term, person_id=person_id)
    step = publishing_step(
        assessable=has_record(record, total),
        figures=figures,
        latest=latest,
        person_id=person_id,
        term=term,
    )
    if step == "unchanged" and latest is not None:
        return Published(latest, new=False)
    withdrawn = step == "withdraw"
    assessment = AssessmentRow(
        assessment_id=uuid4(),
        college=college,
        person_id=person_id,
        term=term,
        version=1 if latest is None else latest.version + 1,
        total=None if withdrawn else total,
        figures=[] if withdrawn else figures,
        published_by=by,
        published_at=now,
        withdrawn=withdrawn,
    )
    await repository.insert_assessment(conn, assessment)
    event: StaffAssessmentPublished | StaffAssessmentWithdrawn
    if withdrawn:
        event = StaffAssessmentWithdrawn(
            college=college,
            assessment_id=assessment.assessment_id,
            person_id=person_id,
            term=term,
            version=assessment.version,
            withdrawn_at=now,
        )
    else:
        assert total is not None  # has_record: a record to assess has a total
        event = StaffAssessmentPublished(
            college=college,
            assessment_id=assessment.assessment_id,
            person_id=person_id,
            term=term,
            total=total,
            figures=event_figures(figures),
            published_at=now,
        )
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return Published(assessment, new=True)


# --- reads ------------------------------------------------------------------------------------


async def assessment_of(
    conn: asyncpg.Connection,
    *,
    college: str,
    term: str,
    person_id: str,
    version: int | None = None,
) -> Traced:
    """The member's assessment (latest, or the version asked) with its evidence."""
    found = await repository.assessment_of(
        conn, college=college, term=term, person_id=person_id, version=version
    )
    if found is None:
        raise NotFound("assessment", f"{term}/{person_id}")
    event_ids = sorted({UUID(i) for f in found.figures for i in f["events"]}, key=str)
    score_ids = sorted({UUID(i) for f in found.figures for i in f["scores"]}, key=str)
    sanction_ids = sorted({UUID(i) for f in found.figures for i in f.get("sanctions", ())}, key=str)
    evidence = await repository.facts_by_ids(conn, college=college, event_ids=event_ids)
    scores = await repository.scores_by_ids(conn, college=college, score_ids=score_ids)
    sanctions = await repository.sanctions_by_ids(conn, college=college, sanction_ids=sanction_ids)
    return Traced(found, tuple(evidence), tuple(scores), tuple(sanctions))


async def assessments_of_term(
    conn: asyncpg.Connection, *, college: str, term: str, paging: Paging
) -> list[AssessmentRow]:
    await term_of(conn, college=college, term=term)
    return await repository.latest_of_term(conn, college=college, term=term, paging=paging)
