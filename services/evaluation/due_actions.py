"""The evaluation service's durable timers: kind -> handler, fired by the kernel's loop.

SEASON_RECHECK: when a season's submission window closes, every submitted report of the
season is checked again against the whole index (the cohort re-check: text found in a
report submitted after it flags an early report). Scheduled by the season's creation and
moved when the chair moves the window (service/seasons.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache

import asyncpg
import structlog
from pydantic import ValidationError

from services.evaluation.repository import integrity as repository
from services.evaluation.service.integrity import SEASON_RECHECK, recheck_season
from services.evaluation.service.similarity import GateLimits
from services.evaluation.settings import EvaluationSettings
from shared.timers import DueAction, DueActionHandler

log = structlog.get_logger(__name__)


@lru_cache(maxsize=1)
def _gate_limits() -> GateLimits:
    """The gate's settings of this process (its defaults where none are configured)."""
    try:
        return GateLimits.of(EvaluationSettings())
    except ValidationError:
        return GateLimits()


async def recheck_when_window_closes(
    conn: asyncpg.Connection, action: DueAction, now: datetime
) -> None:
    """The season's cohort re-checked once its window has closed (idempotent: a report
    flagged or decided is left, a clear one is only flagged by a match above threshold)."""
    college, season = action.payload["college"], action.payload["season"]
    closes_at = await repository.season_closes_at(conn, college=college, season=season)
    if closes_at is None or closes_at > now:
        # Gone, or moved later (then the season's update moved this timer too).
        log.info("season re-check not due", college=college, season=season)
        return
    done = await recheck_season(
        conn, college=college, season=season, now=now, limits=_gate_limits()
    )
    log.info(
        "season re-checked at window close",
        college=college,
        season=season,
        checked=done.checked,
        flagged=len(done.flagged),
    )


DUE_ACTIONS: Mapping[str, DueActionHandler] = {SEASON_RECHECK: recheck_when_window_closes}
