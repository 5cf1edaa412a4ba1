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

from services.recruitment.domain.teams import ProjectTeam
from services.recruitment.service import teams as service
from shared.rules import RuleBroken

pytestmark = pytest.mark.integration

NOW = datetime(2026, 5, 10, 2, 0, tzinfo=UTC)


async def connect(dsn: str) -> asyncpg.Connection:
    return await asyncpg.connect(dsn, server_settings={"search_path": "recruitment"})


async def open_season(conn: asyncpg.Connection, season: str) -> None:
    """A season of the cs college whose window (8–15 May) holds NOW."""
    async with conn.transaction():
        await service.open_project_season(
            conn,
            college="cs",
            season=season,
            title=season,
            opens_on=date(2026, 5, 8),
            closes_on=date(2026, 5, 15),
            opened_by="o",
            now=NOW,
        )


async def test_of_two_racing_teams_sharing_a_student_exactly_one_is_registered(
    service_dsns: dict[str, str],
) -> None:
    dsn = service_dsns["recruitment"]
    season = f"race-{uuid4().hex[:8]}"
    first, second = await connect(dsn), await connect(dsn)
    try:
        await open_season(first, season)

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
        with pytest.raises(RuleBroken, check=lambda broken: not broken.invalid) as refused:
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


async def test_teams_listing_shared_students_in_opposite_orders_queue_instead_of_deadlocking(
    service_dsns: dict[str, str],
) -> None:
    """Forced: a third team holds s1 while A (s1, s2) and B (s2, s1) register.

    Taking seats in the listed order, B would hold s2 while waiting for s1 and A would
    hold s1 while waiting for s2: a deadlock, whose victim cannot name the winner.
    Taken in student-id order, both queue on s1 and the loser names the winner.
    """
    dsn = service_dsns["recruitment"]
    season = f"order-{uuid4().hex[:8]}"
    blocker, first, second = await connect(dsn), await connect(dsn), await connect(dsn)
    try:
        await open_season(first, season)

        async def register(
            conn: asyncpg.Connection, leader: str, members: list[str]
        ) -> ProjectTeam:
            async with conn.transaction():
                return await service.register_project_team(
                    conn,
                    college="cs",
                    season=season,
                    title=f"团队{leader}",
                    summary="s",
                    leader_id=leader,
                    member_ids=members,
                    advisor_ids=["t1"],
                    now=NOW,
                )

        holding = blocker.transaction()
        await holding.start()
        await service.register_project_team(
            blocker,
            college="cs",
            season=season,
            title="占位",
            summary="s",
            leader_id="c",
            member_ids=["c", "c-2", "s1"],
            advisor_ids=["t1"],
            now=NOW,
        )
        team_a = asyncio.create_task(register(first, "a", ["a", "s1", "s2"]))
        await asyncio.sleep(0.3)
        team_b = asyncio.create_task(register(second, "b", ["b", "s2", "s1"]))
        await asyncio.sleep(0.3)
        assert not team_a.done() and not team_b.done(), "both wait for the holder of s1"
        await holding.rollback()
        outcomes = await asyncio.gather(team_a, team_b, return_exceptions=True)

        winners = [o for o in outcomes if isinstance(o, ProjectTeam)]
        losers = [o for o in outcomes if isinstance(o, RuleBroken) and not o.invalid]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        assert losers[0].rule == "one_project_per_season"
        assert str(winners[0].id) in str(losers[0]), "the loser waited for the winner"
        seats = await first.fetch(
            "SELECT student_id FROM project_team_seats WHERE season = $1 ORDER BY student_id",
            season,
        )
        assert [r["student_id"] for r in seats] == sorted([winners[0].leader_id, "s1", "s2"])
    finally:
        await blocker.close()
        await first.close()
        await second.close()


@pytest.mark.parametrize(
    "error", [asyncpg.DeadlockDetectedError, asyncpg.SerializationError], ids=["deadlock", "serial"]
)
async def test_a_deadlock_victim_is_refused_as_a_conflict_not_a_crash(
    service_dsns: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    error: type[asyncpg.PostgresError],
) -> None:
    conn = await connect(service_dsns["recruitment"])
    season = f"victim-{uuid4().hex[:8]}"
    try:
        await open_season(conn, season)

        async def chosen_as_victim(conn: asyncpg.Connection, team: ProjectTeam) -> None:
            raise error("deadlock detected")

        monkeypatch.setattr(service.repository, "take_seats", chosen_as_victim)
        with pytest.raises(RuleBroken, check=lambda broken: not broken.invalid) as refused:
            async with conn.transaction():
                await service.register_project_team(
                    conn,
                    college="cs",
                    season=season,
                    title="victim",
                    summary="s",
                    leader_id="v",
                    member_ids=["v", "v-2", "v-3"],
                    advisor_ids=["t1"],
                    now=NOW,
                )
        assert refused.value.rule == "one_project_per_season"
        assert refused.value.field == "member_ids"
    finally:
        await conn.close()
