"""Evaluation's consumers of other services' events: recruitment's project teams become
the `teams` read model and, once registered and approved, ONE expected team report.

The inbox (replays) and the dead-letter topic (malformed events, a team id already
known in another college) are the kernel's; the use cases are service/team_reports.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from services.evaluation.service import team_reports
from shared.events.base import Envelope
from shared.events.recruitment import (
    ProjectTeamApproved,
    ProjectTeamRegistered,
    ProjectTeamRejected,
)
from shared.messaging.consumer import EventConsumer, Handler


async def on_team_registered(
    conn: asyncpg.Connection, event: ProjectTeamRegistered, envelope: Envelope
) -> None:
    await team_reports.team_registered(conn, event=event, now=datetime.now(UTC))


async def on_team_approved(
    conn: asyncpg.Connection, event: ProjectTeamApproved, envelope: Envelope
) -> None:
    await team_reports.team_approved(conn, event=event, now=datetime.now(UTC))


async def on_team_rejected(
    conn: asyncpg.Connection, event: ProjectTeamRejected, envelope: Envelope
) -> None:
    await team_reports.team_rejected(conn, event=event, now=datetime.now(UTC))


TEAM_REPORTS = EventConsumer(
    "evaluation.team-reports",
    handlers=[
        Handler(ProjectTeamRegistered, on_team_registered),
        Handler(ProjectTeamApproved, on_team_approved),
        Handler(ProjectTeamRejected, on_team_rejected),
    ],
    description=(
        "Folds recruitment's summer project teams (registered, approved, rejected, in any"
        " order) into the teams read model; each registered and approved team, never"
        " rejected, is expected ONE report once its season exists (ReportExpected)."
    ),
)

REPORT_CONSUMERS: tuple[EventConsumer, ...] = (TEAM_REPORTS,)
