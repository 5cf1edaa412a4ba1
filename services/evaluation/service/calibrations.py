"""Calibrated review scores of a season (capability 5), for the chair's view and for
grades and award screening.

Every SUBMITTED review of the season's reports enters, as its rubric-weighted score;
domain.calibration estimates each reviewer's bias and each report's calibrated score
with its interval. Nothing is replaced: raw means and review counts stay beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from services.evaluation.domain.calibration import (
    DEFAULT_Z,
    Calibration,
    Review,
    calibrate,
)
from services.evaluation.repository import reviewers as committee
from services.evaluation.repository import reviews as repository
from shared.rules import NotFound

NO_REVIEWS = Calibration(
    reports=(), reviewers=(), noise_sd=None, degrees_of_freedom=0, z=DEFAULT_Z, ridge=0.0
)


@dataclass(frozen=True)
class ReportScores:
    """One report's scores: None while it has no submitted review. `low`/`high` are
    -inf/+inf when the season's reviews leave the noise unknown (too few reviews)."""

    report_id: UUID
    season: str
    reviews: int
    raw_mean: float | None
    calibrated: float | None
    standard_error: float | None
    low: float | None
    high: float | None

    @property
    def interval_known(self) -> bool:
        return self.low is not None and self.high is not None and math.isfinite(self.low)


async def season_reviews(conn: asyncpg.Connection, *, college: str, season: str) -> list[Review]:
    """The season's submitted reviews as the calibration reads them (weighted scores)."""
    rows = await repository.reviews_of_season(conn, college=college, season=season)
    return [Review(str(row.report_id), row.reviewer_id, row.score) for row in rows]


async def season_calibration(conn: asyncpg.Connection, *, college: str, season: str) -> Calibration:
    """domain.calibration over every submitted review of the season (empty without any)."""
    reviews = await season_reviews(conn, college=college, season=season)
    if not reviews:
        return NO_REVIEWS
    return calibrate(reviews)


async def calibration_of(conn: asyncpg.Connection, *, college: str, season: str) -> Calibration:
    """The chair's / a teacher's view: the season's calibration (404 for no such season)."""
    if not await committee.season_exists(conn, college=college, season=season):
        raise NotFound("season", season)
    return await season_calibration(conn, college=college, season=season)


async def report_scores(conn: asyncpg.Connection, *, college: str, report_id: UUID) -> ReportScores:
    facts = await repository.report_facts(conn, college=college, report_id=report_id)
    if facts is None:
        raise NotFound("report", report_id)
    calibration = await season_calibration(conn, college=college, season=facts.season)
    try:
        found = calibration.report(str(report_id))
    except KeyError:
        return ReportScores(
            report_id=report_id,
            season=facts.season,
            reviews=0,
            raw_mean=None,
            calibrated=None,
            standard_error=None,
            low=None,
            high=None,
        )
    return ReportScores(
        report_id=report_id,
        season=facts.season,
        reviews=found.reviews,
        raw_mean=found.raw_mean,
        calibrated=found.calibrated,
        standard_error=found.standard_error,
        low=found.low,
        high=found.high,
    )
