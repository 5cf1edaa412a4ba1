"""Demo: the computer college's office duty rota (办公室值班表), published through the API.

The office template (DOMAIN.md §2): a day post 08:00–12:00 and an evening post
14:00–18:00 at the Youth League office, Monday to Friday; a member holds a post for a
week and posts rotate weekly; members are free only outside their classes (weekly busy
slots). Two weeks from this week's Monday: solved by a solve job, drafted from it (the
independent checker judges the job's answer again), then published, so the duty desk
has today's shifts to sign in to. Safe to load twice: a published rota of that name is
left as it is.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import httpx

from services.scheduling.domain.calendar_time import CAMPUS_TZ
from tools.demo.scheduling.calls import Token, checked, solved_job

COLLEGE = "cs"
PLACE = "校团委办公室 A203"
WAIT_S = 120.0
# Members of the office and their classes (weekday 0 = Monday).
MEMBERS: tuple[tuple[str, str, tuple[tuple[int, str, str], ...]], ...] = (
    ("cs-2024001", "李明", ((1, "14:00", "15:35"), (3, "08:00", "09:35"))),
    ("cs-2024002", "王芳", ((0, "08:00", "09:35"), (3, "10:00", "11:35"))),
    ("cs-2024003", "张伟", ((2, "14:00", "17:25"),)),
    ("cs-2024004", "刘洋", ((0, "14:00", "15:35"), (4, "08:00", "11:35"))),
    ("cs-2024005", "陈静", ((1, "08:00", "11:35"),)),
    ("cs-2024006", "杨帆", ((2, "08:00", "09:35"), (4, "14:00", "15:35"))),
    ("cs-2025001", "陈晨", ((0, "10:00", "11:35"),)),
    ("cs-2025003", "赵敏", ((3, "14:00", "17:25"),)),
)


def this_monday() -> date:
    today = datetime.now(CAMPUS_TZ).date()
    return today - timedelta(days=today.weekday())


def office_problem(start: date) -> dict[str, Any]:
    """The office template document (README: duty rota problems) for two weeks."""
    return {
        "template": "office",
        "name": rota_name(start),
        "start": start.isoformat(),
        "weeks": 2,
        "rule": "weekly_post",
        "posts": [
            {"id": "day", "start": "08:00", "end": "12:00", "place": PLACE},
            {"id": "evening", "start": "14:00", "end": "18:00", "place": PLACE},
        ],
        "members": [
            {
                "id": person,
                "name": name,
                "busy": [{"weekday": d, "start": s, "end": e} for d, s, e in busy],
            }
            for person, name, busy in MEMBERS
        ],
    }


def rota_name(start: date) -> str:
    return f"校团委办公室值班表（{start.month}月{start.day}日起两周）"


async def seed_rota(client: httpx.AsyncClient, urls: dict[str, str], token: Token) -> str:
    root = f"{urls['scheduling']}/api/scheduling/colleges/{COLLEGE}"
    officer = token(f"{COLLEGE}-officer", "officer", COLLEGE)
    start = this_monday()
    name = rota_name(start)
    listed = checked(
        await client.get(f"{root}/rotas", params={"limit": 200}, headers=officer), 200
    ).json()["items"]
    mine = [r for r in listed if r["name"] == name]
    published = next((r for r in mine if r["status"] == "published"), None)
    if published is not None:
        return f"rota: {name} present (published)"
    if mine:
        rota_id = mine[0]["rota_id"]
    else:
        job_id = await solved_job(
            client,
            root,
            officer,
            kind="rota",
            problem=office_problem(start),
            time_limit_s=10,
            wait_s=WAIT_S,
        )
        rota_id = checked(
            await client.post(
                f"{root}/rotas", json={"job_id": job_id, "name": name}, headers=officer
            ),
            201,
        ).json()["rota_id"]
    detail = checked(
        await client.post(f"{root}/rotas/{rota_id}/publish", headers=officer), 200
    ).json()
    seats = sum(len(shift["holders"]) for shift in detail["shifts"])
    return f"rota: {name} published, {len(detail['shifts'])} shifts, {seats} seats"
