"""Demo: a month of meetings of the computer college's publicity department (宣传部例会,
weekly) and the presidium's department-head meeting (部长例会, every two weeks), with
attendance taken; next month's department meetings (twice a month) with one leave
granted; and one sanction that ends a membership in recruitment.

The sanctioned member comes through recruitment's API like any other: a supplementary
intake (补录) admits 林涛 (cs-2025010) to publicity; MembershipStarted puts him in
scheduling's member pool; he arrives late at all five meetings, and the fifth late
arrival (迟到累计五次) imposes compulsory withdrawal, which recruitment applies.
Another member's one unexcused absence brings a verbal warning, on file only.

The month is the five weeks before today (attendance is taken at held meetings), so
the sanction is always reachable. Safe to load twice: when the department's meetings
of that month exist, nothing is scheduled or taken again.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tools.demo.scheduling.calls import Token, checked

COLLEGE = "cs"
DEPARTMENT = "publicity"
PRESIDIUM = "presidium"
SANCTIONED = ("cs-2025010", "林涛")
SUPPLEMENT = "2026-autumn-supplement"
PLACE = "学生活动中心 201"
AGENDA = "总结上周宣传工作（海报、公众号推送），布置本周任务，分工到人"
WAIT_S = 60.0


def term_of(day: date) -> str:
    """The academic term a day falls in: autumn from August to January, else spring."""
    if day.month >= 8:
        return f"{day.year}-autumn"
    if day.month == 1:
        return f"{day.year - 1}-autumn"
    return f"{day.year}-spring"


async def _admit_the_member(client: httpx.AsyncClient, recruitment: str, token: Token) -> None:
    """A supplementary intake (补录) for publicity, through recruitment's API."""
    officer = token(f"{COLLEGE}-officer", "officer", COLLEGE)
    person, name = SANCTIONED
    checked(
        await client.post(
            f"{recruitment}/intakes",
            json={"intake_id": SUPPLEMENT, "title": "宣传部补录", "departments": {DEPARTMENT: 1}},
            headers=officer,
        ),
        201,
        409,
    )
    checked(
        await client.post(
            f"{recruitment}/intakes/{SUPPLEMENT}/applications",
            json={"name": name, "choices": [DEPARTMENT]},
            headers=token(person, "student", COLLEGE),
        ),
        201,
        409,
    )
    checked(
        await client.put(
            f"{recruitment}/intakes/{SUPPLEMENT}/applications/{person}/assessments/{DEPARTMENT}",
            json={"communication": 78, "planning": 74},
            headers=token(f"{COLLEGE}-t-assessor", "teacher", COLLEGE),
        ),
        200,
        409,
    )
    checked(
        await client.post(f"{recruitment}/intakes/{SUPPLEMENT}/publish", headers=officer),
        200,
        409,
    )


async def _series(
    client: httpx.AsyncClient,
    root: str,
    officer: dict[str, str],
    *,
    organisation: str,
    title: str,
    rule: str,
    first: date,
    last: date,
    term: str,
) -> list[dict[str, Any]]:
    made = checked(
        await client.post(
            f"{root}/meetings/series",
            json={
                "organisation_kind": "department",
                "organisation_id": organisation,
                "title": title,
                "agenda": AGENDA
                if organisation == DEPARTMENT
                else "各部汇报工作情况，研究各项议程",
                "place": PLACE,
                "term": term,
                "rule": rule,
                "weekday": first.isoweekday(),
                "at": "19:00",
                "duration_min": 60,
                "first_day": first.isoformat(),
                "last_day": last.isoformat(),
            },
            headers=officer,
        ),
        201,
    )
    meetings: list[dict[str, Any]] = made.json()["meetings"]
    return meetings


async def _people(
    client: httpx.AsyncClient, root: str, officer: dict[str, str], meeting_id: str
) -> list[str]:
    """The department's members in scheduling's pool, waiting for the admitted member."""
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while True:
        read = checked(await client.get(f"{root}/meetings/{meeting_id}", headers=officer), 200)
        members = [p["person_id"] for p in read.json()["people"] if p["member"]]
        if SANCTIONED[0] in members or asyncio.get_running_loop().time() > deadline:
            return members
        await asyncio.sleep(1.0)


async def _ended(client: httpx.AsyncClient, recruitment: str, officer: dict[str, str]) -> bool:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while True:
        found = checked(
            await client.get(f"{recruitment}/people/{SANCTIONED[0]}/memberships", headers=officer),
            200,
        )
        if any(
            m["organisation_id"] == DEPARTMENT and m["how_ended"] == "compulsory_withdrawal"
            for m in found.json()["items"]
        ):
            return True
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(1.0)


async def seed_meetings(client: httpx.AsyncClient, urls: dict[str, str], token: Token) -> str:
    root = f"{urls['scheduling']}/api/scheduling/colleges/{COLLEGE}"
    recruitment = f"{urls['recruitment']}/api/recruitment/colleges/{COLLEGE}"
    officer = token(f"{COLLEGE}-officer", "officer", COLLEGE)
    today = datetime.now(UTC).date()
    first, last = today - timedelta(days=35), today - timedelta(days=3)
    term = term_of(first)
    held = checked(
        await client.get(
            f"{root}/meetings",
            params={
                "organisation_kind": "department",
                "organisation_id": DEPARTMENT,
                "term": term,
                "starts_from": datetime(first.year, first.month, first.day, tzinfo=UTC).isoformat(),
                "starts_before": datetime(
                    today.year, today.month, today.day, tzinfo=UTC
                ).isoformat(),
            },
            headers=officer,
        ),
        200,
    ).json()["items"]
    if held:
        return f"meetings: already loaded ({len(held)} publicity meetings in {term})"

    await _admit_the_member(client, recruitment, token)
    weekly = await _series(
        client, root, officer, organisation=DEPARTMENT, title="宣传部例会", rule="weekly",
        first=first, last=last, term=term,
    )  # fmt: skip
    presidium = await _series(
        client, root, officer, organisation=PRESIDIUM, title="部长例会",
        rule="every_two_weeks", first=first, last=last, term=term,
    )  # fmt: skip
    ahead = await _series(
        client, root, officer, organisation=DEPARTMENT, title="宣传部例会",
        rule="twice_a_month", first=today + timedelta(days=1),
        last=today + timedelta(days=31), term=term_of(today + timedelta(days=1)),
    )  # fmt: skip

    members = await _people(client, root, officer, weekly[0]["meeting_id"])
    others = sorted(p for p in members if p != SANCTIONED[0])
    warned = others[0] if others else None
    sanctions: list[dict[str, Any]] = []
    for n, meeting in enumerate(weekly):
        sheet = [{"person_id": p, "attendance": "present"} for p in others]
        if warned is not None and n == 1:
            sheet[0]["attendance"] = "unexcused"
        if SANCTIONED[0] in members:
            sheet.append({"person_id": SANCTIONED[0], "attendance": "late"})
        if not sheet:
            continue
        taken = checked(
            await client.post(
                f"{root}/meetings/{meeting['meeting_id']}/attendance", json=sheet, headers=officer
            ),
            200,
        )
        sanctions += taken.json()["sanctions"]

    granted = 0
    if others and ahead:
        leave = await client.post(
            f"{root}/leave",
            json={"meeting_id": ahead[0]["meeting_id"], "reason": "参加学院篮球赛，提前请假"},
            headers=token(others[-1], "student", COLLEGE),
        )
        if leave.status_code == 201:
            checked(
                await client.post(
                    f"{root}/leave/{leave.json()['leave_id']}/decision",
                    json={"decision": "granted", "note": "同意，会后看会议记录"},
                    headers=officer,
                ),
                200,
            )
            granted = 1

    ended = await _ended(client, recruitment, officer) if SANCTIONED[0] in members else False
    imposed = ", ".join(f"{s['person_id']} {s['sanction']}" for s in sanctions) or "none"
    return (
        f"meetings: {len(weekly)} weekly publicity and {len(presidium)} presidium meetings in"
        f" the past month with attendance, {len(ahead)} ahead, {granted} leave granted;"
        f" sanctions: {imposed}; {SANCTIONED[0]}'s membership"
        f" {'ended in recruitment (compulsory withdrawal)' if ended else 'NOT ended yet'}"
    )
