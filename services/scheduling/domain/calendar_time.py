"""Wall-clock times of the campus: shift times such as "08:00" are in the college's zone."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

CAMPUS_TZ = ZoneInfo("Asia/Shanghai")


def at_campus(day: date, wall: time) -> datetime:
    """The aware instant of a wall-clock time on a campus day."""
    return datetime.combine(day, wall, tzinfo=CAMPUS_TZ)
