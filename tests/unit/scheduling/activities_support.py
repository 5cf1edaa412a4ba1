"""Building activity-calendar instances for the unit tests."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import UUID

from services.scheduling.domain.activities import ActivityNeeds, Placement
from services.scheduling.domain.calendar_time import at_campus

DAY = date(2027, 4, 20)  # a Tuesday in late April


def campus(day_offset: int, hour: int, minute: int = 0) -> datetime:
    """A campus (Asia/Shanghai) time `day_offset` days after DAY."""
    return at_campus(DAY + timedelta(days=day_offset), time(hour, minute))


def needs(
    n: int,
    *,
    window: tuple[datetime, datetime] | None = None,
    duration: int = 60,
    people: tuple[str, ...] = (),
    room: str | None = None,
    department: str = "volunteers",
) -> ActivityNeeds:
    earliest, latest = window or (campus(0, 8), campus(0, 22))
    return ActivityNeeds(
        activity_id=UUID(int=n),
        department_id=department,
        title=f"activity {n}",
        earliest_start=earliest,
        latest_end=latest,
        duration_min=duration,
        people=people,
        room=room,
    )


def at(activity: ActivityNeeds, start: datetime) -> Placement:
    return Placement(activity.activity_id, start, start + timedelta(minutes=activity.duration_min))
