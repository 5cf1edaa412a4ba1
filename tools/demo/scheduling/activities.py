"""Demo: the computer college's activity calendar for late April and May 2027 (the seeds'
社会实践工作计划: late-April volunteer teaching, early-May blood drive for the May Fourth
anniversary, late-May community service with the Jinmen Road community, and what other
departments hold around them), planned clash-free through the API, each with its five
preparation tasks (the blood drive's as the seeds list them, each with its member, who is
reminded a day before its deadline).

Safe to load twice: a room that exists is answered 409, an activity already drafted (by
title) is not drafted again, and a month with nothing left to plan schedules nothing.
The members come from recruitment's demo (intake and corps) through the member pool;
this waits for them to arrive.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tools.demo.scheduling.calls import Token, checked

COLLEGE = "cs"
MONTHS = ("2027-04", "2027-05")
ROOMS = (
    ("报告厅", "图书馆一楼", 300),
    ("体育馆", "东区体育馆", 800),
    ("学生活动中心 101", "学生活动中心", 60),
)
# title, department, window (campus time), minutes, people, room, description
ACTIVITIES: tuple[tuple[str, str, tuple[str, str], int, tuple[str, ...], str | None, str], ...] = (
    (
        "义务助教活动", "volunteers", ("2027-04-21T08:00", "2027-04-30T18:00"), 180,
        ("cs-2025002", "cs-2025005", "cs-2024001"), None,
        "十二里河小学义务助教：联系学校、活动宣传、选拔优秀学生、活动开展、成果展览及汇报",
    ),
    (
        "春季篮球友谊赛", "sports", ("2027-04-24T14:00", "2027-04-30T21:00"), 150,
        ("cs-2025003", "cs-2025004"), "体育馆",
        "与外国语学院的友谊赛",
    ),
    (
        "学习经验交流会", "study", ("2027-04-20T18:30", "2027-04-28T22:00"), 120,
        ("cs-2025002", "cs-2025001"), "报告厅",
        "高年级同学分享期中复习经验",
    ),
    (
        "义务献血活动", "social_practice", ("2027-05-01T08:00", "2027-05-10T17:00"), 240,
        ("cs-2025001", "cs-2025003", "cs-2024002"), "体育馆",
        "纪念五四运动：联系医院或血站、申报活动、宣传、开展活动、后期宣传及总结；活动当天维持秩序",
    ),
    (
        "五四青年节主题海报展", "publicity", ("2027-05-01T08:00", "2027-05-06T20:00"), 120,
        ("cs-2025001", "cs-2025003"), "学生活动中心 101",
        "弘扬五四爱国主义精神",
    ),
    (
        "团支部书记培训", "organisation", ("2027-05-11T14:00", "2027-05-20T21:00"), 120,
        ("cs-2025001",), "报告厅",
        "团支部工作规范与组织生活会",
    ),
    (
        "金门路社区服务", "volunteers", ("2027-05-21T08:00", "2027-05-31T18:00"), 180,
        ("cs-2025005", "cs-2024002", "cs-2024003"), None,
        "与金门路社区合作：义工、慰问孤寡老人、文艺演出",
    ),
)  # fmt: skip
# The blood drive's tasks as the seeds list them (联系医院或血站、申报活动、宣传、开展活动、
# 后期宣传及总结), each with the member who does it: notifications reminds each of them a
# day before their deadline. The other activities keep the default five, unassigned.
TASKS: dict[str, tuple[tuple[str, str, str, int, str], ...]] = {
    "义务献血活动": (
        ("contact_partner", "联系医院或血站", "start", -14 * 24 * 60, "cs-2024002"),
        ("apply", "申报活动", "start", -10 * 24 * 60, "cs-2025001"),
        ("publicity", "活动宣传", "start", -7 * 24 * 60, "cs-2025003"),
        ("run", "开展活动，当天维持秩序", "start", 0, "cs-2025001"),
        ("report", "后期宣传及总结", "end", 7 * 24 * 60, "cs-2025003"),
    ),
}
WAIT_FOR_MEMBERS_S = 60.0


async def _members_present(
    client: httpx.AsyncClient, root: str, headers: dict[str, str], people: set[str]
) -> set[str]:
    """Those of `people` in the member pool, waiting a while for recruitment's events."""
    present: set[str] = set()
    deadline = asyncio.get_running_loop().time() + WAIT_FOR_MEMBERS_S
    while True:
        for person in sorted(people - present):
            found = await client.get(f"{root}/members/{person}", headers=headers)
            if found.status_code == 200:
                present.add(person)
        if present == people or asyncio.get_running_loop().time() > deadline:
            return present
        await asyncio.sleep(1.0)


async def seed_activities(client: httpx.AsyncClient, urls: dict[str, str], token: Token) -> str:
    root = f"{urls['scheduling']}/api/scheduling/colleges/{COLLEGE}"
    officer = token(f"{COLLEGE}-officer", "officer", COLLEGE)
    for name, place, capacity in ROOMS:
        checked(
            await client.post(
                f"{root}/rooms",
                json={"room": name, "place": place, "capacity": capacity},
                headers=officer,
            ),
            201,
            409,
        )
    listed = checked(
        await client.get(f"{root}/activities", params={"limit": 200}, headers=officer), 200
    )
    existing = {a["title"] for a in listed.json()["items"]}
    present = await _members_present(client, root, officer, {p for a in ACTIVITIES for p in a[4]})
    drafted = skipped = 0
    for title, department, (earliest, latest), minutes, people, room, description in ACTIVITIES:
        if title in existing:
            continue
        if not set(people) <= present:
            skipped += 1
            continue
        body: dict[str, Any] = {
            "department_id": department,
            "title": title,
            "description": description,
            "earliest_start": f"{earliest}:00+08:00",
            "latest_end": f"{latest}:00+08:00",
            "duration_min": minutes,
            "people": list(people),
            "room": room,
        }
        if title in TASKS:
            body["tasks"] = [
                {"kind": k, "title": t, "anchor": a, "offset_min": m, "assignee_id": who}
                for k, t, a, m, who in TASKS[title]
            ]
        checked(await client.post(f"{root}/activities", json=body, headers=officer), 201)
        drafted += 1
    scheduled = 0
    for month in MONTHS:
        plan = checked(
            await client.post(f"{root}/activities/plan", json={"month": month}, headers=officer),
            200,
        )
        scheduled += plan.json()["scheduled"]
    note = f", {skipped} skipped (members not in the pool)" if skipped else ""
    return (
        f"activities: {drafted} drafted{note}, {scheduled} scheduled clash-free over "
        f"{' and '.join(MONTHS)}, each with 5 preparation tasks"
    )
