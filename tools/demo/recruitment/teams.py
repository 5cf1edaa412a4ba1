"""Demo: summer social-practice project teams (暑期社会实践项目申报), through the API only.

Safe to load twice: a season already open, a student already in a team or a
team already decided is answered 409 and counted as present.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

Token = Callable[[str, str, str], dict[str, str]]


@dataclass(frozen=True)
class DemoTeam:
    college: str
    title: str
    summary: str
    member_ids: tuple[str, ...]  # the first is the leader
    advisor_id: str
    # ("I", budget) or ("II", None) to approve, ("rejected", reason) to reject, None: pending
    decision: tuple[str, int | str | None] | None


TEAMS = (
    DemoTeam(
        "cs",
        "乡村留守儿童阅读推广",
        "在三所村小开展暑期阅读、安全教育与亲情电话活动。",
        ("cs-2024001", "cs-2024002", "cs-2024003", "cs-2024004"),
        "cs-t-zhang",
        ("I", 3000),
    ),
    DemoTeam(
        "cs",
        "红色文化寻访",
        "走访县域红色教育基地，整理口述史并制作展板。",
        ("cs-2024005", "cs-2024006", "cs-2024007"),
        "cs-t-li",
        ("II", None),
    ),
    DemoTeam(
        "cs",
        "非遗技艺数字化调研",
        "记录两项县级非物质文化遗产技艺，制作短视频与图文档案。",
        ("cs-2024008", "cs-2024009", "cs-2024010", "cs-2024011", "cs-2024012"),
        "cs-t-wang",
        None,
    ),
    DemoTeam(
        "fl",
        "英语支教夏令营",
        "为乡村小学三至五年级开设两周英语兴趣课。",
        ("fl-2024001", "fl-2024002", "fl-2024003"),
        "fl-t-chen",
        ("rejected", "方案未附安全预案，请补充后参加下一季申报"),
    ),
    DemoTeam(
        "fl",
        "社区外籍居民服务调研",
        "调研社区外籍居民的生活需求，编写双语服务指南。",
        ("fl-2024004", "fl-2024005", "fl-2024006", "fl-2024007"),
        "fl-t-zhou",
        None,
    ),
)


def _season_window() -> tuple[str, str, str]:
    # The real window is fixed by the committee (e.g. 8–15 May); the demo keeps it
    # open around today so teams can still be registered by hand after seeding.
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    return f"{today.year}-summer", str(today - timedelta(days=1)), str(today + timedelta(days=14))


async def seed_teams(client: httpx.AsyncClient, urls: dict[str, str], token: Token) -> str:
    root = f"{urls['recruitment']}/api/recruitment/colleges"
    season, opens_on, closes_on = _season_window()
    seasons = 0
    for college in sorted({team.college for team in TEAMS}):
        opened = await client.post(
            f"{root}/{college}/project-seasons",
            json={
                "season": season,
                "title": f"{season[:4]}年暑期社会实践项目申报",
                "opens_on": opens_on,
                "closes_on": closes_on,
            },
            headers=token(f"{college}-officer", "officer", college),
        )
        if opened.status_code not in (201, 409):
            raise RuntimeError(f"opening season {season} in {college}: {opened.text}")
        seasons += 1

    decided = {"approved": 0, "rejected": 0, "pending": 0}
    for team in TEAMS:
        reviewer = token(f"{team.college}-reviewer", "reviewer", team.college)
        registered = await client.post(
            f"{root}/{team.college}/project-seasons/{season}/teams",
            json={
                "title": team.title,
                "summary": team.summary,
                "member_ids": list(team.member_ids),
                "advisor_ids": [team.advisor_id],
            },
            headers=token(team.member_ids[0], "student", team.college),
        )
        if registered.status_code == 201:
            team_id = registered.json()["id"]
        elif registered.status_code == 409:  # loaded before: find it by its title
            listed = await client.get(
                f"{root}/{team.college}/project-seasons/{season}/teams",
                params={"limit": 200},
                headers=reviewer,
            )
            listed.raise_for_status()
            team_id = next(t["id"] for t in listed.json()["items"] if t["title"] == team.title)
        else:
            raise RuntimeError(f"registering {team.title}: {registered.text}")

        if team.decision is None:
            decided["pending"] += 1
            continue
        verdict, detail = team.decision
        if verdict == "rejected":
            url, body = (
                f"{root}/{team.college}/project-teams/{team_id}/rejection",
                {"reason": detail},
            )
        else:
            url = f"{root}/{team.college}/project-teams/{team_id}/approval"
            body = {"project_class": verdict, "budget_yuan": detail}
        outcome = await client.post(url, json=body, headers=reviewer)
        if outcome.status_code not in (200, 409):
            raise RuntimeError(f"deciding {team.title}: {outcome.text}")
        decided["rejected" if verdict == "rejected" else "approved"] += 1

    return (
        f"project teams: season {season} in {seasons} colleges, {len(TEAMS)} teams "
        f"({decided['approved']} approved, {decided['rejected']} rejected, "
        f"{decided['pending']} pending)"
    )
