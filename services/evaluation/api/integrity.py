"""Similarity checks, open flags and the chair's integrity decision (诚信审查)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from services.evaluation.api.common import PREFIX, Chair, College, Paged, Settings, Teacher
from services.evaluation.schemas.integrity import (
    DecisionForm,
    DecisionView,
    FlagPage,
    FlagView,
    RecheckView,
    SeasonRecheckView,
    SimilarityView,
)
from services.evaluation.service import integrity as service
from services.evaluation.service.similarity import GateLimits
from shared.web.dependencies import Now, ReadOnly, Transaction
from shared.web.fields import Identifier

router = APIRouter(prefix=PREFIX, tags=["integrity"])


@router.get(
    "/reports/{report_id}/similarity",
    summary="A report's similarity check: matching reports, passages on both sides, containment",
)
async def similarity(
    college: College,
    report_id: UUID,
    reader: Teacher,
    conn: ReadOnly,
    version: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> SimilarityView:
    found = await service.similarity_of(conn, college=college, report_id=report_id, version=version)
    return SimilarityView.model_validate(found)


@router.get("/seasons/{season}/flags", summary="Reports of a season waiting for a decision")
async def flags(
    college: College, season: Identifier, chair: Chair, conn: ReadOnly, page: Paged
) -> FlagPage:
    items, total = await service.open_flags(conn, college=college, season=season, paging=page)
    return FlagPage(
        items=[FlagView.model_validate(item) for item in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post(
    "/reports/{report_id}/integrity-decision",
    summary="Decide a flagged report: cleared, or misconduct (credits revoked, prize "
    "withdrawn, funds reclaimed for a Class I team)",
)
async def decide(
    college: College,
    report_id: UUID,
    form: DecisionForm,
    chair: Chair,
    conn: Transaction,
    now: Now,
) -> DecisionView:
    decided = await service.decide(
        conn,
        college=college,
        report_id=report_id,
        decision=form.decision,
        reason=form.reason,
        decided_by=chair.user_id,
        now=now,
    )
    return DecisionView.model_validate(decided)


@router.post(
    "/reports/{report_id}/similarity-recheck",
    summary="Check a submitted report's current version again against every report indexed "
    "now (e.g. submitted after it); flags it above the threshold, even once graded",
)
async def recheck_report(
    college: College,
    report_id: UUID,
    chair: Chair,
    conn: Transaction,
    now: Now,
    settings: Settings,
) -> RecheckView:
    done = await service.recheck_report(
        conn, college=college, report_id=report_id, now=now, limits=GateLimits.of(settings)
    )
    return RecheckView.model_validate(done)


@router.post(
    "/seasons/{season}/similarity-recheck",
    summary="Re-check every submitted report of the season (flagged and misconduct ones left)",
)
async def recheck_season(
    college: College,
    season: Identifier,
    chair: Chair,
    conn: Transaction,
    now: Now,
    settings: Settings,
) -> SeasonRecheckView:
    done = await service.recheck_season(
        conn, college=college, season=season, now=now, limits=GateLimits.of(settings)
    )
    return SeasonRecheckView.model_validate(done)
