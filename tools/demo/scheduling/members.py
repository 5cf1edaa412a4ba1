"""Demo: the computer college's office (办公室) members in scheduling's member pool, with
their class timetables and a day away, through the public APIs only.

The members join the office department through a recruitment intake (the only way a
department membership starts); scheduling's pool learns of them from recruitment's
MembershipStarted events. Then each member's classes go in: 李明 uploads his term's
timetable as an iCalendar file (weekly classes, none on National Day), the others type
their weekly busy slots; 张伟 declares a day away for a programming contest. Last, the
office rota problem for the next two weeks is built from the pool, to show what their
availability rules out. Safe to load twice: what is there is answered 409 or replaced
by the same.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta

import httpx

from tools.demo.scheduling.calls import Token, checked
from tools.demo.scheduling.rota import MEMBERS, this_monday

COLLEGE = "cs"
INTAKE_ID = "2026-office-duty"
ICS_MEMBER = "cs-2024001"
AWAY_MEMBER, AWAY_REASON = "cs-2024003", "参加程序设计竞赛"
TERM_WEEKS = 18
WAIT_S = 60.0
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def term_timetable(
    name: str, classes: tuple[tuple[int, str, str], ...], first_monday: date
) -> bytes:
    """A term's timetable as an iCalendar file: each class weekly for TERM_WEEKS weeks,
    none on National Day (1 October)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//campusflow demo//课表//ZH"]
    for number, (weekday, start, end) in enumerate(classes):
        day = (first_monday + timedelta(days=weekday)).strftime("%Y%m%d")
        national_day = date(first_monday.year, 10, 1).strftime("%Y%m%d")
        starts, ends = start.replace(":", ""), end.replace(":", "")
        lines += [
            "BEGIN:VEVENT",
            f"UID:demo-{number}-{name}@campusflow",
            f"SUMMARY:{name}的课 {number + 1}",
            f"DTSTART;TZID=Asia/Shanghai:{day}T{starts}00",
            f"DTEND;TZID=Asia/Shanghai:{day}T{ends}00",
            f"RRULE:FREQ=WEEKLY;COUNT={TERM_WEEKS};BYDAY={WEEKDAYS[weekday]}",
            f"EXDATE;VALUE=DATE:{national_day}",
            "END:VEVENT",
        ]
    return ("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n").encode()


async def _join_the_office(client: httpx.AsyncClient, base: str, token: Token) -> None:
    """The office intake in recruitment: every demo office member applies and is admitted."""
    officer = token(f"{COLLEGE}-officer", "officer", COLLEGE)
    intake = {"intake_id": INTAKE_ID, "title": "办公室值班人员补录", "departments": {"office": 8}}
    checked(await client.post(f"{base}/intakes", json=intake, headers=officer), 201, 409)
    for person, name, _ in MEMBERS:
        checked(
            await client.post(
                f"{base}/intakes/{INTAKE_ID}/applications",
                json={"name": name, "choices": ["office"]},
                headers=token(person, "student", COLLEGE),
            ),
            201,
            409,
        )
        checked(
            await client.put(
                f"{base}/intakes/{INTAKE_ID}/applications/{person}/assessments/office",
                json={"communication": 85, "planning": 80},
                headers=officer,
            ),
            200,
            409,
        )
    checked(await client.post(f"{base}/intakes/{INTAKE_ID}/publish", headers=officer), 200, 409)


async def _office_in_pool(client: httpx.AsyncClient, root: str, officer: dict[str, str]) -> None:
    wanted = {person for person, _, _ in MEMBERS}
    deadline = time.monotonic() + WAIT_S
    while True:
        listed = checked(
            await client.get(
                f"{root}/members",
                params={
                    "organisation_kind": "department",
                    "organisation_id": "office",
                    "limit": 200,
                },
                headers=officer,
            ),
            200,
        ).json()["items"]
        if wanted <= {member["person_id"] for member in listed}:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"the office members are not in scheduling's pool after {WAIT_S:g} s"
            )
        await asyncio.sleep(0.5)


async def seed_members(client: httpx.AsyncClient, urls: dict[str, str], token: Token) -> str:
    recruitment = f"{urls['recruitment']}/api/recruitment/colleges/{COLLEGE}"
    root = f"{urls['scheduling']}/api/scheduling/colleges/{COLLEGE}"
    officer = token(f"{COLLEGE}-officer", "officer", COLLEGE)
    await _join_the_office(client, recruitment, token)
    await _office_in_pool(client, root, officer)
    monday = this_monday()
    for person, name, classes in MEMBERS:
        own = token(person, "student", COLLEGE)
        url = f"{root}/members/{person}/timetable"
        if person == ICS_MEMBER:
            ics = term_timetable(name, classes, monday)
            files = {"file": (f"{name}-课表.ics", ics, "text/calendar")}
            checked(await client.put(url, files=files, headers=own), 200)
        else:
            slots = [{"weekday": d, "start": s, "end": e} for d, s, e in classes]
            checked(await client.put(url, json={"slots": slots}, headers=own), 200)
    away_day = monday + timedelta(days=9)  # next week's Wednesday
    availability = checked(
        await client.get(
            f"{root}/members/{AWAY_MEMBER}/availability",
            params={"from": away_day.isoformat(), "to": away_day.isoformat()},
            headers=officer,
        ),
        200,
    ).json()
    if not any(busy["label"] == AWAY_REASON for busy in availability["busy"]):
        period = {
            "starts_at": f"{away_day}T00:00:00+08:00",
            "ends_at": f"{away_day + timedelta(days=1)}T00:00:00+08:00",
            "reason": AWAY_REASON,
        }
        checked(
            await client.post(
                f"{root}/members/{AWAY_MEMBER}/unavailability",
                json=period,
                headers=token(AWAY_MEMBER, "student", COLLEGE),
            ),
            201,
        )
    problem = checked(
        await client.post(
            f"{root}/rota-problems/office",
            json={"start": monday.isoformat(), "weeks": 2, "name": "办公室值班（示例）"},
            headers=officer,
        ),
        200,
    ).json()
    ruled_out = sum(problem["unavailable"].values())
    return (
        f"members: {len(MEMBERS)} office members in the pool (1 .ics timetable,"
        f" {len(MEMBERS) - 1} weekly), 1 day away; their availability rules out"
        f" {ruled_out} (day, post) cells of the next two weeks' office rota"
    )
