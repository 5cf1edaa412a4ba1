"""Report seasons (chair), the individual requirements set in them (chair), and a
season's reports (chair and teachers: all; anyone else: their own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from services.evaluation.api.common import PREFIX, Anyone, Chair, College, Paged, Settings
from services.evaluation.api.reports import reader_of
from services.evaluation.schemas.reports import ReportPage, ReportView, RequirementForm
from services.evaluation.schemas.seasons import SeasonForm, SeasonPage, SeasonView
from services.evaluation.service import reports as report_service
from services.evaluation.service import seasons as service
from shared.web.dependencies import Now, ReadOnly, Transaction
from shared.web.fields import IDENTIFIER_PATTERN

router = APIRouter(prefix=PREFIX, tags=["seasons"])

SeasonName = Annotated[
    str, Path(pattern=IDENTIFIER_PATTERN, max_length=64, description="e.g. 2026-autumn")
]
SEASON = "/seasons/{season}"


@router.put(
    SEASON,
    summary="Create or update a report season (window, template text, similarity threshold)",
    responses={201: {"description": "Created", "model": SeasonView}},
)
async def put_season(
    college: College,
    season: SeasonName,
    form: SeasonForm,
    chair: Chair,
    settings: Settings,
    conn: Transaction,
    now: Now,
    response: Response,
) -> SeasonView:
    stored, created = await service.put_season(
        conn,
        college=college,
        season=season,
        plan=form.plan(settings.similarity_default_threshold),
        now=now,
    )
    if created:
        response.status_code = status.HTTP_201_CREATED
    return SeasonView.model_validate(stored)


@router.get("/seasons", summary="The college's report seasons, latest term first")
async def list_seasons(college: College, who: Anyone, conn: ReadOnly, paging: Paged) -> SeasonPage:
    found = await service.list_seasons(conn, college=college, paging=paging)
    return SeasonPage.listing(found, paging)


@router.get(SEASON, summary="One report season")
async def get_season(
    college: College, season: SeasonName, who: Anyone, conn: ReadOnly
) -> SeasonView:
    return SeasonView.model_validate(await service.season_of(conn, college=college, season=season))


@router.post(
    f"{SEASON}/individual-requirements",
    status_code=status.HTTP_201_CREATED,
    summary="Expect an individual social-practice report of a student (ReportExpected)",
)
async def require_individual_report(
    college: College,
    season: SeasonName,
    form: RequirementForm,
    chair: Chair,
    conn: Transaction,
    now: Now,
) -> ReportView:
    report = await report_service.require_individual_report(
        conn, college=college, season=season, student_id=form.student_id, title=form.title, now=now
    )
    return ReportView.model_validate(report)


@router.get(
    f"{SEASON}/reports",
    summary="The season's reports: all for the chair and teachers, one's own for anyone else",
)
async def season_reports(
    college: College, season: SeasonName, who: Anyone, conn: ReadOnly, paging: Paged
) -> ReportPage:
    await service.season_of(conn, college=college, season=season)
    found = await report_service.reports_for(
        conn, college=college, season=season, reader=reader_of(who), paging=paging
    )
    return ReportPage.listing(found, paging)
