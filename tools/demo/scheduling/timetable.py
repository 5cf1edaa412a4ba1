"""Demo: the summer "一帮一" teaching timetables (暑期知识拓展班课表), published through the API.

The summer template (DOMAIN.md §2): five weeks of Monday–Saturday lessons from the week of
8 July, six periods a day, the evening film shared by a school's classes, Saturday
afternoon kept for the farewell party; the computer college's two volunteer teams rotate
weekly between 响肠小学 and 菖蒲小学, the foreign languages college's team teaches at 黄柏小学
(the demo corps' schools). Each timetable is solved by a solve job, then published (the
independent checker judges the job's answer again). Safe to load twice: a timetable of that
name is left as it is.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import httpx

from services.scheduling.domain.calendar_time import CAMPUS_TZ
from tools.demo.scheduling.calls import Token, checked, solved_job

WAIT_S = 180.0

# college -> schools (id, name, pupils per grade 3/4/5) and teams (id, [(person, name)]).
PROGRAMMES: dict[str, dict[str, Any]] = {
    "cs": {
        "schools": [
            ("xiangchang", "响肠小学", (14, 17, 15)),
            ("changpu", "菖蒲小学", (11, 12, 13)),
        ],
        "teams": [
            (
                "岳西一队",
                [
                    ("cs-2024001", "李明"),
                    ("cs-2024002", "王芳"),
                    ("cs-2024003", "张伟"),
                    ("cs-2024007", "周杰"),
                    ("cs-2024008", "吴倩"),
                ],
            ),
            (
                "岳西二队",
                [
                    ("cs-2024004", "刘洋"),
                    ("cs-2024005", "陈静"),
                    ("cs-2024006", "杨帆"),
                    ("cs-2025001", "陈晨"),
                    ("cs-2025003", "赵敏"),
                ],
            ),
        ],
        "teaches": {"岳西一队": {"english": "cs-2024001"}, "岳西二队": {"english": "cs-2024005"}},
    },
    "fl": {
        "schools": [("huangbai", "黄柏小学", (12, 11, 13))],
        "teams": [
            (
                "潜山英语队",
                [
                    ("fl-2024001", "孙丽"),
                    ("fl-2024002", "马超"),
                    ("fl-2024003", "朱琳"),
                    ("fl-2024004", "胡军"),
                    ("fl-2024005", "郭婷"),
                ],
            )
        ],
        "teaches": {"潜山英语队": {"english": "fl-2024001"}},
    },
}


def programme_year(today: date) -> int:
    """This summer's programme, or next summer's once this one is over."""
    return today.year if (today.month, today.day) <= (8, 11) else today.year + 1


def timetable_name(college: str, year: int) -> str:
    schools = "、".join(name for _id, name, _sizes in PROGRAMMES[college]["schools"])
    return f"{year}年“一帮一”暑期知识拓展班课表（{schools}）"


def summer_problem(college: str, year: int) -> dict[str, Any]:
    """The summer template document (README: timetable problems) of the college's schools."""
    programme = PROGRAMMES[college]
    return {
        "template": "summer",
        "name": timetable_name(college, year),
        "year": year,
        "language": "zh-CN",
        "schools": [
            {
                "id": school_id,
                "name": name,
                "classes": [
                    {"id": f"{school_id}-g{g}", "name": f"{'三四五'[n]}年级", "pupils": size}
                    for n, (g, size) in enumerate(zip((3, 4, 5), sizes, strict=True))
                ],
                "rooms": [
                    {"id": f"{school_id}-r{g}", "name": f"{g}号教室", "capacity": 15}
                    for g in (1, 2, 3)
                ],
                "screening": {"name": "村委会广场", "capacity": 60},
            }
            for school_id, name, sizes in programme["schools"]
        ],
        "teams": [
            {
                "id": team,
                "volunteers": [{"id": person, "name": name} for person, name in members],
                "teaches": programme["teaches"].get(team, {}),
            }
            for team, members in programme["teams"]
        ],
    }


async def seed_timetable(client: httpx.AsyncClient, urls: dict[str, str], token: Token) -> str:
    year = programme_year(datetime.now(CAMPUS_TZ).date())
    reports = []
    for college in PROGRAMMES:
        root = f"{urls['scheduling']}/api/scheduling/colleges/{college}"
        officer = token(f"{college}-officer", "officer", college)
        name = timetable_name(college, year)
        listed = checked(
            await client.get(f"{root}/timetables", params={"limit": 200}, headers=officer), 200
        ).json()["items"]
        if any(t["name"] == name for t in listed):
            reports.append(f"{college} present")
            continue
        job_id = await solved_job(
            client,
            root,
            officer,
            kind="timetable",
            problem=summer_problem(college, year),
            time_limit_s=20,
            wait_s=WAIT_S,
        )
        made = checked(
            await client.post(
                f"{root}/timetables", json={"job_id": job_id, "name": name}, headers=officer
            ),
            201,
        ).json()
        reports.append(
            f"{college} published {made['lesson_count']} lessons "
            f"({made['starts_on']}–{made['ends_on']}, objective {made['objective']:g})"
        )
    return f"timetables: {'; '.join(reports)}"
