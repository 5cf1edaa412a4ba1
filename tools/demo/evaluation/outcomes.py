"""The season's outcomes through the API: the teacher's final grades (one override with
its reason, one recommendation to the university), the copy (杨柳's report, submitted
and graded early, pastes passages of a draft of the 红色文化寻访 team's report; the team
submits afterwards and the gate flags THE TEAM, whose text her earlier report holds; the
chair's re-check of her report flags it: misconduct for her, credit revoked; the team
cleared), the prizes, and the excellence defenses. Loading again changes nothing."""

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
from tools.demo.scheduling.calls import Token, checked

MISCONDUCT_REASON = (
    "报告第二部分大段照搬“红色文化寻访”团队报告的初稿，未注明出处；"
    "提交时间虽早于该团队，经复查认定为抄袭。"
)
CLEARED_REASON = "团队报告为原创，相同段落系他人抄袭本团队初稿所致，经复查予以澄清。"
GRADE_SCALE = {"优": 90, "良": 80, "中": 70, "及格": 60}
PRIZES = {"first": 1, "second": 1, "third": 0, "honourable": 0}


async def finalise_grades(
    client: httpx.AsyncClient,
    root: str,
    token: Token,
    season: str,
    reports: dict[str, dict[str, Any]],
    *,
    waiting: frozenset[str] = frozenset(),
) -> str:
    """Every report not yet graded, except those `waiting` (not yet in or decided)."""
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
        if report["report_id"] in graded or key in waiting:
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


async def source_arrives_and_copy_decided(
    client: httpx.AsyncClient, root: str, token: Token, reports: dict[str, dict[str, Any]]
) -> str:
    """The team whose draft 杨柳 copied submits after her report was graded: its own gate
    check flags the team (her earlier text holds its passages); the chair re-checks her
    report against everything indexed now, which flags it, and decides: misconduct for
    her (the credit her grade earned is revoked), cleared for the team."""
    chair = token(CHAIR, "college_admin", COLLEGE)
    source, copy = reports[COPIED_TEAM], reports[COPIER]
    source_url = f"{root}/reports/{source['report_id']}"
    copy_url = f"{root}/reports/{copy['report_id']}"
    source.update(checked(await client.get(source_url, headers=chair), 200).json())
    submitted = 0
    if source["current_version"] < 1:
        leader = token(source["submitter_id"], "student", COLLEGE)
        text = demo_texts()[COPIED_TEAM]
        answer = checked(
            await client.post(f"{source_url}/versions", json={"text": text}, headers=leader), 201
        )
        source.update(answer.json()["report"])
        submitted = 1
    copy.update(checked(await client.get(copy_url, headers=chair), 200).json())
    if copy["integrity"] == "clear":
        rechecked = checked(
            await client.post(f"{copy_url}/similarity-recheck", headers=chair), 200
        ).json()
        copy["integrity"] = rechecked["integrity"]
    if copy["integrity"] == "flagged":
        await _decide(client, copy_url, chair, "misconduct", MISCONDUCT_REASON)
        copy["integrity"] = "misconduct"
    if source["integrity"] == "flagged":
        await _decide(client, source_url, chair, "cleared", CLEARED_REASON)
        source["integrity"] = "cleared"
    if (copy["integrity"], source["integrity"]) != ("misconduct", "cleared"):
        raise RuntimeError(
            f"the copy by {COPIER} is {copy['integrity']} and {COPIED_TEAM} is "
            f"{source['integrity']}: expected misconduct and cleared"
        )
    ledger = checked(await client.get(f"{root}/students/{COPIER}/credits", headers=chair), 200)
    return (
        f"{COPIED_TEAM} submitted after {COPIER}'s graded report ({submitted} now), flagged "
        f"and cleared; {COPIER}'s copy found by the re-check, misconduct; credit balance "
        f"{ledger.json()['balance']}"
    )


async def _decide(
    client: httpx.AsyncClient, url: str, chair: dict[str, str], decision: str, reason: str
) -> None:
    checked(
        await client.post(
            f"{url}/integrity-decision",
            json={"decision": decision, "reason": reason},
            headers=chair,
        ),
        200,
    )


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
