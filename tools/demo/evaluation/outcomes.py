"""The season's outcomes through the API: the teacher's final grades (one override with
its reason, one recommendation to the university), the copy (a 修订版 pasting another
team's passages: flagged by the gate, decided as misconduct, its credit revoked), the
prizes, and the excellence defenses. Loading again changes nothing."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import httpx

from tools.demo.evaluation.cast import (
    CAMPUS_TZ,
    CHAIR,
    COLLEGE,
    COPIED_TEAM,
    COPIER,
    DEFENSE_PANEL,
    DEFENSE_ROOMS,
    OVERRIDE,
    TEACHER,
    quality_of,
)
from tools.demo.evaluation.submissions import demo_texts
from tools.demo.evaluation.texts import with_copied_passages
from tools.demo.scheduling.calls import Token, checked

MISCONDUCT_REASON = "修订版第二部分大段照搬“红色文化寻访”团队报告原文，未注明出处，认定为抄袭。"
GRADE_SCALE = {"优": 90, "良": 80, "中": 70, "及格": 60}
PRIZES = {"first": 1, "second": 1, "third": 0, "honourable": 0}


async def finalise_grades(
    client: httpx.AsyncClient,
    root: str,
    token: Token,
    season: str,
    reports: dict[str, dict[str, Any]],
) -> str:
    teacher = token(TEACHER, "teacher", COLLEGE)
    checked(
        await client.put(
            f"{root}/grade-scale",
            json={"kind": "chinese", "thresholds": GRADE_SCALE},
            headers=token(CHAIR, "college_admin", COLLEGE),
        ),
        200,
        201,
    )
    graded = {
        g["report_id"]: g
        for g in checked(
            await client.get(f"{root}/seasons/{season}/grades", headers=teacher), 200
        ).json()["items"]
    }
    overridden, reason = OVERRIDE[0], OVERRIDE[2]
    for key, report in reports.items():
        if report["report_id"] in graded:
            continue
        body: dict[str, Any] = {}
        if key == overridden:
            body = {"grade": OVERRIDE[1], "override_reason": reason}
        grade = checked(
            await client.post(
                f"{root}/reports/{report['report_id']}/grade", json=body, headers=teacher
            ),
            201,
            200,
        ).json()
        graded[report["report_id"]] = grade
    best = max(reports, key=quality_of)
    recommended = checked(
        await client.post(
            f"{root}/reports/{reports[best]['report_id']}/recommendation", headers=teacher
        ),
        200,
        201,
        409,
    )
    if recommended.status_code == 409:
        rule = recommended.json()["errors"][0]["rule"]
        if rule != "already_recommended":
            raise RuntimeError(f"recommending {best}: {recommended.text}")
    passed = sum(1 for g in graded.values() if g["passed"])
    return f"{len(graded)} grades final ({passed} passed), {best} recommended to the university"


async def copy_and_misconduct(
    client: httpx.AsyncClient, root: str, token: Token, reports: dict[str, dict[str, Any]]
) -> str:
    """The copier's second version pastes the team's passages; the chair decides."""
    chair = token(CHAIR, "college_admin", COLLEGE)
    report = reports[COPIER]
    url = f"{root}/reports/{report['report_id']}"
    current = checked(await client.get(url, headers=chair), 200).json()
    if current["current_version"] < 2:
        texts = demo_texts()
        copied = with_copied_passages(texts[COPIER], texts[COPIED_TEAM])
        author = token(COPIER, "student", COLLEGE)
        current = checked(
            await client.post(f"{url}/versions", json={"text": copied}, headers=author), 201
        ).json()["report"]
    if current["integrity"] == "flagged":
        checked(
            await client.post(
                f"{url}/integrity-decision",
                json={"decision": "misconduct", "reason": MISCONDUCT_REASON},
                headers=chair,
            ),
            200,
        )
        current = checked(await client.get(url, headers=chair), 200).json()
    if current["integrity"] != "misconduct":
        raise RuntimeError(
            f"the copy of {COPIED_TEAM} by {COPIER} is {current['integrity']}, not misconduct"
        )
    ledger = checked(await client.get(f"{root}/students/{COPIER}/credits", headers=chair), 200)
    return f"copy by {COPIER} flagged, misconduct; credit balance {ledger.json()['balance']}"


async def grant_prizes(client: httpx.AsyncClient, root: str, token: Token, season: str) -> str:
    chair = token(CHAIR, "college_admin", COLLEGE)
    run = await client.post(
        f"{root}/seasons/{season}/award-runs", json={"prize_counts": PRIZES}, headers=chair
    )
    if run.status_code == 202:
        held = ", ".join(h["report_id"] for h in run.json()["held_back"])
        raise RuntimeError(f"the award run is pending: borderline reports {held}")
    if run.status_code == 409 and run.json()["errors"][0]["rule"] != "awards_already_granted":
        raise RuntimeError(f"award run: {run.text}")
    if run.status_code not in (201, 409):
        raise RuntimeError(f"award run: {run.status_code} {run.text}")
    awards = checked(
        await client.get(f"{root}/seasons/{season}/awards", headers=chair), 200
    ).json()["items"]
    return "prizes: " + ", ".join(f"{a['prize']} {a['title']}" for a in awards)


def _defense_day(now: datetime) -> datetime:
    """Wednesday of next week, 14:00 campus time."""
    local = now.astimezone(CAMPUS_TZ).date()
    wednesday = local + timedelta(days=7 - local.weekday() + 2)
    return datetime.combine(wednesday, time(14, 0), tzinfo=CAMPUS_TZ)


async def hold_defenses(
    client: httpx.AsyncClient,
    root: str,
    token: Token,
    season: str,
    reports: dict[str, dict[str, Any]],
    now: datetime,
) -> str:
    """The two best reports' submitters apply; the chair schedules; the panels decide."""
    chair = token(CHAIR, "college_admin", COLLEGE)
    applicants = sorted(reports, key=quality_of, reverse=True)[:2]
    for key in applicants:
        report = reports[key]
        applied = checked(
            await client.post(
                f"{root}/reports/{report['report_id']}/excellence-application",
                headers=token(report["submitter_id"], "student", COLLEGE),
            ),
            201,
            409,
        )
        if applied.status_code == 409 and applied.json()["errors"][0]["rule"] != "already_applied":
            raise RuntimeError(f"{key} may not apply for the excellence review: {applied.text}")
    start = _defense_day(now)
    slots = [
        {
            "room": room,
            "starts_at": begin.isoformat(),
            "ends_at": (begin + timedelta(minutes=40)).isoformat(),
        }
        for room in DEFENSE_ROOMS
        for begin in (start, start + timedelta(minutes=45))
    ]
    scheduled = checked(
        await client.post(
            f"{root}/seasons/{season}/defenses/schedule",
            json={
                "slots": slots,
                "members": [{"person_id": p} for p in DEFENSE_PANEL],
                "panel_size": 3,
            },
            headers=chair,
        ),
        201,
        409,
    )
    if (
        scheduled.status_code == 409
        and scheduled.json()["errors"][0]["rule"] != "nothing_to_schedule"
    ):
        raise RuntimeError(f"scheduling the defenses: {scheduled.text}")
    defenses = checked(
        await client.get(f"{root}/seasons/{season}/defenses", headers=chair), 200
    ).json()["items"]
    by_report = {r["report_id"]: key for key, r in reports.items()}
    for defense in defenses:
        if defense["decided_at"] is not None:
            continue
        key = by_report[defense["report_id"]]
        excellent = key == applicants[0]
        checked(
            await client.post(
                f"{root}/defenses/{defense['defense_id']}/decision",
                json={"score": 92.0 if excellent else 84.0, "excellent": excellent},
                headers=token(defense["panel_ids"][0], "teacher", COLLEGE),
            ),
            200,
            201,
        )
    return f"{len(defenses)} defenses scheduled and decided"
