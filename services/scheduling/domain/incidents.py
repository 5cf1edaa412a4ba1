"""Safety incidents (突发事件) on outings and activities: what a report must say.

An incident happened (`occurred_at`) no later than a few minutes from now (clocks
differ) and at most INCIDENT_LOOKBACK ago; it belongs to a department, given or that of
the activity it happened on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from services.scheduling.domain.rules import RuleBroken

INCIDENT_LOOKBACK = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Incident:
    incident_id: UUID
    college: str
    activity_id: UUID | None
    department_id: str
    title: str
    summary: str
    place: str
    teacher_id: str | None
    reported_by: str
    occurred_at: datetime
    reported_at: datetime


def check_occurred_at(occurred_at: datetime, *, now: datetime) -> None:
    if occurred_at > now + CLOCK_SKEW:
        raise RuleBroken(
            "occurred_not_future",
            field="occurred_at",
            message="an incident cannot be reported before it happened",
            invalid=True,
        )
    if occurred_at < now - INCIDENT_LOOKBACK:
        raise RuleBroken(
            "occurred_recently",
            field="occurred_at",
            message=f"report incidents within {INCIDENT_LOOKBACK.days} days",
            invalid=True,
        )


def department_missing() -> RuleBroken:
    return RuleBroken(
        "incident_department",
        field="department_id",
        message="name the department, or the activity the incident happened on",
        invalid=True,
    )
