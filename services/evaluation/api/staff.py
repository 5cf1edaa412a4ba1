"""Staff assessment (考核): terms, officers' scores and sanctions, publishing a member's
assessment and reading it back with the scheduling events behind every figure."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response, status

from services.evaluation.api.common import (
    PREFIX,
    Anyone,
    College,
    Officer,
    Paged,
    is_chair,
)
from services.evaluation.schemas.staff import (
    AnnulmentForm,
    AssessmentPage,
    AssessmentView,
    EvidenceView,
    PublishedView,
    SanctionForm,
    SanctionsView,
    SanctionView,
    ScoreForm,
    ScoresView,
    ScoreView,
    TermForm,
    TermView,
    TracedView,
)
from services.evaluation.service import staff as service
from shared.rules import NotFound
from shared.web.auth import Principal
from shared.web.dependencies import Now, ReadOnly, Transaction
from shared.web.fields import Identifier

router = APIRouter(prefix=PREFIX, tags=["staff"])

TermPath = Annotated[Identifier, Path(max_length=32, examples=["2026-autumn"])]
PersonPath = Annotated[Identifier, Path(max_length=64)]


def staff_or_themself(caller: Principal, *, what: str, term: str, person_id: str) -> bool:
    """Whether the caller is an officer or the chair (who see which officer did what); the
    member reads their own; to anyone else it is not there."""
    staff = is_chair(caller) or caller.has_any("officer")
    if not staff and caller.user_id != person_id:
        raise NotFound(what, f"{term}/{person_id}")
    return staff


@router.put("/terms/{term}", summary="Set an assessment term's window (officer or chair)")
async def put_term(
    college: College, term: TermPath, form: TermForm, officer: Officer, conn: Transaction, now: Now
) -> TermView:
    row = await service.set_term(
        conn,
        college=college,
        term=term,
        starts_at=form.starts_at,
        ends_at=form.ends_at,
        by=officer.user_id,
        now=now,
    )
    return TermView.of(row)


@router.get("/terms/{term}", summary="An assessment term's window")
async def get_term(college: College, term: TermPath, caller: Anyone, conn: ReadOnly) -> TermView:
    return TermView.of(await service.term_of(conn, college=college, term=term))


@router.put(
    "/terms/{term}/scores/{person_id}",
    summary="An officer's scores of a member for the term (0–10): attitude, ability, teamwork;"
    " for duty staff also enquiries, equipment, helping, cleaning",
)
async def put_scores(
    college: College,
    term: TermPath,
    person_id: PersonPath,
    form: ScoreForm,
    officer: Officer,
    conn: Transaction,
    now: Now,
) -> ScoresView:
    scores = await service.score_member(
        conn,
        college=college,
        term=term,
        person_id=person_id,
        officer_id=officer.user_id,
        scores=form.scores(),
        comment=form.comment,
        now=now,
    )
    return ScoresView(term=term, person_id=person_id, scores=[ScoreView.of(s) for s in scores])


@router.post(
    "/terms/{term}/sanctions/{person_id}",
    status_code=status.HTTP_201_CREATED,
    summary="An officer's sanction of a member for the term: warning, notice of criticism or"
    " dismissal, with the reason (officer or chair; never oneself); a dismissal names the"
    " organisation the member leaves",
)
async def impose_sanction(
    college: College,
    term: TermPath,
    person_id: PersonPath,
    form: SanctionForm,
    officer: Officer,
    conn: Transaction,
    now: Now,
) -> SanctionView:
    sanction = await service.impose_sanction(
        conn,
        college=college,
        term=term,
        person_id=person_id,
        officer_id=officer.user_id,
        kind=form.kind,
        reason=form.reason,
        now=now,
        organisation_kind=form.organisation_kind,
        organisation_id=form.organisation_id,
    )
    return SanctionView.of(sanction)


@router.post(
    "/terms/{term}/sanctions/{person_id}/{sanction_id}/annulment",
    status_code=status.HTTP_201_CREATED,
    summary="Annul a sanction imposed by mistake, with the reason (officer or chair; never"
    " the member sanctioned): kept, it no longer counts from the next published assessment",
)
async def annul_sanction(
    college: College,
    term: TermPath,
    person_id: PersonPath,
    sanction_id: UUID,
    form: AnnulmentForm,
    officer: Officer,
    conn: Transaction,
    now: Now,
) -> SanctionView:
    sanction = await service.annul_sanction(
        conn,
        college=college,
        term=term,
        person_id=person_id,
        sanction_id=sanction_id,
        by=officer.user_id,
        reason=form.reason,
        now=now,
    )
    return SanctionView.of(sanction)


@router.get(
    "/terms/{term}/sanctions/{person_id}",
    summary="A member's sanctions imposed by officers in the term (officer, chair, or the"
    " member themself)",
)
async def get_sanctions(
    college: College, term: TermPath, person_id: PersonPath, caller: Anyone, conn: ReadOnly
) -> SanctionsView:
    staff = staff_or_themself(caller, what="sanctions", term=term, person_id=person_id)
    found = await service.sanctions_of(conn, college=college, term=term, person_id=person_id)
    return SanctionsView(
        term=term,
        person_id=person_id,
        sanctions=[SanctionView.of(s, officer_shown=staff) for s in found],
    )


@router.post(
    "/terms/{term}/assessments/{person_id}/publish",
    status_code=status.HTTP_201_CREATED,
    summary="Compute and publish a member's assessment (201 a new version, 200 unchanged;"
    " nothing left to assess: 201 a withdrawn version in place of the one published)",
    responses={200: {"model": PublishedView, "description": "Unchanged: nothing new published"}},
)
async def publish(
    college: College,
    term: TermPath,
    person_id: PersonPath,
    officer: Officer,
    conn: Transaction,
    now: Now,
    response: Response,
) -> PublishedView:
    published = await service.publish(
        conn, college=college, term=term, person_id=person_id, by=officer.user_id, now=now
    )
    if not published.new:
        response.status_code = status.HTTP_200_OK
    return PublishedView(
        **AssessmentView.of(published.assessment).model_dump(), new_version=published.new
    )


@router.get(
    "/terms/{term}/assessments/{person_id}",
    summary="A member's assessment with the events behind each figure (officer, chair, or"
    " the member themself)",
)
async def get_assessment(
    college: College,
    term: TermPath,
    person_id: PersonPath,
    caller: Anyone,
    conn: ReadOnly,
    version: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> TracedView:
    staff = staff_or_themself(caller, what="assessment", term=term, person_id=person_id)
    traced = await service.assessment_of(
        conn, college=college, term=term, person_id=person_id, version=version
    )
    return TracedView(
        **AssessmentView.of(traced.assessment, officer_shown=staff).model_dump(),
        evidence=[EvidenceView.of(f) for f in traced.evidence],
        officer_scores=[ScoreView.of(s, officer_shown=staff) for s in traced.scores],
        officer_sanctions=[SanctionView.of(s, officer_shown=staff) for s in traced.sanctions],
    )


@router.get(
    "/terms/{term}/assessments",
    summary="The latest published assessment of each member for the term, withdrawn ones"
    " marked `withdrawn` (officer, chair)",
)
async def list_assessments(
    college: College, term: TermPath, officer: Officer, conn: ReadOnly, paging: Paged
) -> AssessmentPage:
    found = await service.assessments_of_term(conn, college=college, term=term, paging=paging)
    return AssessmentPage(
        term=term,
        items=[AssessmentView.of(a) for a in found],
        limit=paging.limit,
        offset=paging.offset,
    )
