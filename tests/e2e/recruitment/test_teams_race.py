"""One project per student per season holds in the database when two teams race.

The race is forced, not hoped for: team A takes its seats and stays uncommitted
while team B, sharing a student, registers; B waits on A's row, then is refused
naming A, and nothing of B is left behind.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from uuid import uuid4

import asyncpg
import pytest

from services.recruitment.domain.teams import ProjectTeam, TeamConflict
from services.recruitment.service import teams as service

pytestmark = pytest.mark.integration

NOW = datetime(2026, 5, 10, 2, 0, tzinfo=UTC)


async def connect(dsn: str) -> asyncpg.Connection:
    return await asyncpg.connect(dsn, server_settings={"search_path": "recruitment"})


async def test_of_two_racing_teams_sharing_a_student_exactly_one_is_registered(
    service_dsns: dict[str, str],
) -> None:
    dsn = service_dsns["recruitment"]
    season = f"race-{uuid4().hex[:8]}"
    first, second = await connect(dsn), await connect(dsn)
    try:
        async with first.transaction():
            await service.open_project_season(
                first,
                college="cs",
                season=season,
                title="race",
                opens_on=date(2026, 5, 8),
                closes_on=date(2026, 5, 15),
                opened_by="o",
                now=NOW,
            )

        async def register(conn: asyncpg.Connection, leader: str, title: str) -> ProjectTeam:
            return await service.register_project_team(
                conn,
                college="cs",
                season=season,
                title=title,
                summary="s",
                leader_id=leader,
                member_ids=[leader, f"{leader}-2", "shared-student"],
                advisor_ids=["t1"],
                now=NOW,
            )

        winner_tx = first.transaction()
        await winner_tx.start()
        winner = await register(first, "a", "团队甲")
        loser_tx = second.transaction()
        await loser_tx.start()
        # B checked before A committed, so only the database can stop it.
        losing = asyncio.create_task(register(second, "b", "团队乙"))
        await asyncio.sleep(0.5)
        assert not losing.done(), "B must wait for A's uncommitted seat"
        await winner_tx.commit()
        with pytest.raises(TeamConflict) as refused:
            await losing
        await loser_tx.rollback()

        assert refused.value.rule == "one_project_per_season"
        assert "团队甲" in str(refused.value)
        assert str(winner.id) in str(refused.value)
        titles = await first.fetch(
            "SELECT title FROM project_teams WHERE college = 'cs' AND season = $1", season
        )
        assert [r["title"] for r in titles] == ["团队甲"]
        seats = await first.fetchval(
            "SELECT count(*) FROM project_team_seats WHERE season = $1", season
        )
        assert seats == 3
        outbox = await first.fetchval(
            "SELECT count(*) FROM outbox WHERE message_key = $1",
            str(winner.id).encode(),
        )
        assert outbox == 1
    finally:
        await first.close()
        await second.close()
