"""Project teams (暑期社会实践项目申报) through the real recruitment service and Kafka."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest

from shared.events.registry import RECRUITMENT_PROJECT_TEAMS
from tests.support.auth import bearer
from tests.support.kafka import header, read_topic, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

TOPIC = RECRUITMENT_PROJECT_TEAMS.name
TEACHER = "cs-t-zhang"


def today_on_campus() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def students(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{n:02d}" for n in range(1, count + 1)]


def team_form(members: list[str], *, advisors: list[str] | None = None, title: str = "") -> dict:
    return {
        "title": title or "乡村留守儿童阅读推广",
        "summary": "在三所村小开展暑期阅读与安全教育活动",
        "member_ids": members,
        "advisor_ids": [TEACHER] if advisors is None else advisors,
    }


class Teams:
    """The recruitment API of one college, as the tests use it."""

    def __init__(self, client: httpx.AsyncClient, base: str, college: str = "cs") -> None:
        self.client = client
        self.root = f"{base}/api/recruitment/colleges/{college}"
        self.college = college

    async def open_season(self, *, days_from: int = -1, days_to: int = 1) -> str:
        season = f"2026-summer-{uuid4().hex[:8]}"
        today = today_on_campus()
        response = await self.client.post(
            f"{self.root}/project-seasons",
            json={
                "season": season,
                "title": "2026年暑期社会实践",
                "opens_on": str(today + timedelta(days=days_from)),
                "closes_on": str(today + timedelta(days=days_to)),
            },
            headers=bearer("cs-officer", "officer", self.college),
        )
        assert response.status_code == 201, response.text
        return season

    async def register(self, season: str, leader: str, form: dict) -> httpx.Response:
        return await self.client.post(
            f"{self.root}/project-seasons/{season}/teams",
            json=form,
            headers=bearer(leader, "student", self.college),
        )

    async def decide(self, team_id: str, verdict: str, body: dict) -> httpx.Response:
        return await self.client.post(
            f"{self.root}/project-teams/{team_id}/{verdict}",
            json=body,
            headers=bearer("cs-reviewer", "reviewer", self.college),
        )


def rule_of(response: httpx.Response) -> tuple[str, str]:
    assert response.headers["content-type"].startswith("application/problem+json")
    error = response.json()["errors"][0]
    return error["field"], error["rule"]


async def events_of(bootstrap: str, team_id: str, count: int) -> list[Any]:
    found: list[Any] = []

    async def arrived() -> bool:
        nonlocal found
        found = [r for r in await read_topic(bootstrap, TOPIC) if r.key == team_id.encode()]
        return len(found) >= count

    await wait_until(arrived, timeout_s=30, what=f"{count} events of team {team_id}")
    return found


async def test_a_team_registers_and_is_approved_as_class_one_and_both_reach_kafka(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    members = students("cs-a", 4)
    async with httpx.AsyncClient(timeout=10) as client:
        api = Teams(client, services["recruitment"])
        season = await api.open_season()
        created = await api.register(season, members[0], team_form(members))
        assert created.status_code == 201, created.text
        team = created.json()
        assert (team["status"], team["leader_id"], team["advisor_id"]) == (
            "pending",
            members[0],
            TEACHER,
        )
        approved = await api.decide(
            team["id"], "approval", {"project_class": "I", "budget_yuan": 3000}
        )
        assert approved.status_code == 200, approved.text
        assert (approved.json()["status"], approved.json()["budget_yuan"]) == ("approved", 3000)

    records = await events_of(stack.kafka_bootstrap, team["id"], 2)
    assert [header(r, "ce_type") for r in records] == [
        "campusflow.recruitment.project_team.registered.v1",
        "campusflow.recruitment.project_team.approved.v1",
    ]
    assert {header(r, "college") for r in records} == {"cs"}
    assert len(records) == 2

    registered, approval = (json.loads(r.value) for r in records)
    assert registered["member_ids"] == members and registered["season"] == season
    assert (approval["project_class"], approval["budget_yuan"]) == ("I", 3000)


async def test_bad_teams_are_refused_naming_the_field_and_the_rule(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        api = Teams(client, services["recruitment"])
        season = await api.open_season()
        cohort = students("cs-b", 11)
        leader = cohort[0]
        for form, status, expected in (
            (team_form(cohort[:2]), 422, ("member_ids", "team_size")),
            (team_form(cohort[:11]), 422, ("member_ids", "team_size")),
            (
                team_form(cohort[:4], advisors=[TEACHER, "cs-t-li"]),
                422,
                ("advisor_ids", "one_advisor"),
            ),
            (team_form(cohort[:4], advisors=[]), 422, ("advisor_ids", "one_advisor")),
            (team_form([*cohort[:3], cohort[1]]), 422, ("member_ids", "no_duplicate_members")),
            (team_form(cohort[1:5]), 422, ("member_ids", "leader_is_member")),
        ):
            refused = await api.register(season, leader, form)
            assert refused.status_code == status, refused.text
            assert rule_of(refused) == expected

        for missing in ("member_ids", "advisor_ids", "title"):
            form = {k: v for k, v in team_form(cohort[:4]).items() if k != missing}
            refused = await api.register(season, leader, form)
            assert refused.status_code == 422
            assert missing in {e["field"] for e in refused.json()["errors"]}

        first = await api.register(season, leader, team_form(cohort[:4], title="红色文化寻访"))
        assert first.status_code == 201
        second_leader = cohort[5]
        second = await api.register(
            season,
            second_leader,
            team_form([second_leader, cohort[6], cohort[3]], title="非遗调研"),
        )
        assert second.status_code == 409
        assert rule_of(second) == ("member_ids", "one_project_per_season")
        assert "红色文化寻访" in second.json()["detail"]
        assert first.json()["id"] in second.json()["detail"]

        # A rejected project gives its students back: they may join another team.
        rejected = await api.decide(first.json()["id"], "rejection", {"reason": "选题与往年重复"})
        assert rejected.status_code == 200
        again = await api.register(
            season,
            second_leader,
            team_form([second_leader, cohort[6], cohort[3]], title="非遗调研"),
        )
        assert again.status_code == 201, again.text

        unknown = await api.register("no-such-season", leader, team_form(cohort[7:10]))
        assert unknown.status_code == 404

    refused_ids = {first.json()["id"], again.json()["id"]}
    for team_id in refused_ids:
        await events_of(stack.kafka_bootstrap, team_id, 1)
    registered = [
        r
        for r in await read_topic(stack.kafka_bootstrap, TOPIC)
        if header(r, "ce_type") == "campusflow.recruitment.project_team.registered.v1"
        and f'"{season}"'.encode() in r.value
    ]
    assert {r.key.decode() for r in registered} == refused_ids, "refused teams emit nothing"


async def test_registration_outside_the_window_is_refused(services: dict[str, str]) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        api = Teams(client, services["recruitment"])
        members = students("cs-c", 3)
        for closed in (
            await api.open_season(days_from=-10, days_to=-1),
            await api.open_season(days_from=1, days_to=5),
        ):
            refused = await api.register(closed, members[0], team_form(members))
            assert refused.status_code == 409
            assert rule_of(refused) == ("season", "application_window")

        inverted = await client.post(
            f"{api.root}/project-seasons",
            json={
                "season": "bad-window",
                "title": "x",
                "opens_on": "2026-05-15",
                "closes_on": "2026-05-08",
            },
            headers=bearer("cs-officer", "officer", "cs"),
        )
        assert inverted.status_code == 422 and rule_of(inverted) == ("closes_on", "window_order")
        season = await api.open_season()
        duplicate = await client.post(
            f"{api.root}/project-seasons",
            json={
                "season": season,
                "title": "x",
                "opens_on": "2026-05-08",
                "closes_on": "2026-05-15",
            },
            headers=bearer("cs-admin", "college_admin", "cs"),
        )
        assert duplicate.status_code == 409 and rule_of(duplicate)[1] == "one_season_per_name"


async def test_two_teams_registered_at_once_with_a_shared_student_exactly_one_wins(
    services: dict[str, str],
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        api = Teams(client, services["recruitment"])
        season = await api.open_season()
        for round_ in range(5):
            shared = f"cs-d-shared-{round_}"
            a = [f"cs-d-a{round_}-1", f"cs-d-a{round_}-2", shared]
            b = [f"cs-d-b{round_}-1", f"cs-d-b{round_}-2", shared]
            results = await asyncio.gather(
                api.register(season, a[0], team_form(a, title=f"A{round_}")),
                api.register(season, b[0], team_form(b, title=f"B{round_}")),
            )
            assert sorted(r.status_code for r in results) == [201, 409], [r.text for r in results]
            loser = next(r for r in results if r.status_code == 409)
            winner = next(r for r in results if r.status_code == 201)
            assert rule_of(loser) == ("member_ids", "one_project_per_season")
            assert winner.json()["id"] in loser.json()["detail"]

        listed = await client.get(
            f"{api.root}/project-seasons/{season}/teams",
            params={"limit": 200},
            headers=bearer("cs-reviewer", "reviewer", "cs"),
        )
        assert len(listed.json()["items"]) == 5


async def test_teams_sharing_two_students_in_opposite_orders_never_deadlock(
    services: dict[str, str],
) -> None:
    """Seats are taken in one order, so the loser waits for the winner and is told why."""
    async with httpx.AsyncClient(timeout=20) as client:
        api = Teams(client, services["recruitment"])
        season = await api.open_season()
        for round_ in range(8):
            first, second = f"cs-x-shared-{round_}-1", f"cs-x-shared-{round_}-2"
            a = [f"cs-x-a{round_}", first, second]
            b = [f"cs-x-b{round_}", second, first]
            results = await asyncio.gather(
                api.register(season, a[0], team_form(a, title=f"A{round_}")),
                api.register(season, b[0], team_form(b, title=f"B{round_}")),
            )
            assert sorted(r.status_code for r in results) == [201, 409], [r.text for r in results]
            loser = next(r for r in results if r.status_code == 409)
            assert rule_of(loser) == ("member_ids", "one_project_per_season")


async def test_reviews_need_the_right_class_budget_and_reason_and_happen_once(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        api = Teams(client, services["recruitment"])
        season = await api.open_season()
        members = students("cs-e", 3)
        team_id = (await api.register(season, members[0], team_form(members))).json()["id"]

        for body, expected in (
            ({"project_class": "I"}, ("budget_yuan", "class_one_needs_a_budget")),
            ({"project_class": "I", "budget_yuan": 0}, ("budget_yuan", "class_one_needs_a_budget")),
            (
                {"project_class": "II", "budget_yuan": 800},
                ("budget_yuan", "class_two_is_self_funded"),
            ),
        ):
            refused = await api.decide(team_id, "approval", body)
            assert refused.status_code == 422 and rule_of(refused) == expected
        bad_class = await api.decide(team_id, "approval", {"project_class": "III"})
        assert bad_class.status_code == 422 and rule_of(bad_class)[0] == "project_class"
        no_reason = await api.decide(team_id, "rejection", {"reason": "  "})
        assert no_reason.status_code == 422 and rule_of(no_reason) == (
            "reason",
            "rejection_needs_a_reason",
        )
        missing_reason = await api.decide(team_id, "rejection", {})
        assert missing_reason.status_code == 422 and rule_of(missing_reason)[0] == "reason"

        approved = await api.decide(team_id, "approval", {"project_class": "II"})
        assert approved.status_code == 200 and approved.json()["project_class"] == "II"
        twice = await api.decide(team_id, "rejection", {"reason": "改判"})
        assert twice.status_code == 409 and rule_of(twice) == ("status", "decided_once")
        again = await api.decide(team_id, "approval", {"project_class": "II"})
        assert again.status_code == 409

        unknown = await api.decide(str(uuid4()), "approval", {"project_class": "II"})
        assert unknown.status_code == 404

        other = students("cs-e2", 3)
        rejected_id = (await api.register(season, other[0], team_form(other))).json()["id"]
        assert (
            await api.decide(rejected_id, "rejection", {"reason": "材料不全"})
        ).status_code == 200

    records = await events_of(stack.kafka_bootstrap, team_id, 2)
    assert [header(r, "ce_type") for r in records][1:] == [
        "campusflow.recruitment.project_team.approved.v1"
    ], "refused decisions emit nothing"
    rejections = await events_of(stack.kafka_bootstrap, rejected_id, 2)
    assert header(rejections[1], "ce_type") == "campusflow.recruitment.project_team.rejected.v1"
    assert b"\xe6\x9d\x90\xe6\x96\x99\xe4\xb8\x8d\xe5\x85\xa8" in rejections[1].value  # 材料不全
