"""Demo: the duty desk (值班签到 / 交接) through the API only: sign-ins, a handover, a no-show.

Sign-ins are accepted only inside a shift's window, so what the desk can show depends on
when the demo is loaded. The office rota (tools.demo.scheduling.rota: weekdays 08:00–12:00
and 14:00–18:00) gets its holders signed in when one of its shifts is open now. So that
the desk always has something to show, a small reception rota of today is solved and
published beside it (post `reception`): a shift that ended half an hour ago, whose
holder writes the handover note, and a shift under way for twenty minutes with two seats:
one holder signs in (late), the other does not, and the no-show timer publishes
DutyMissed for them at the service's grace after publishing. Safe to load twice: the
day's reception rota is reused, a repeated sign-in answers 200, a repeated handover 409.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from services.scheduling.domain.calendar_time import CAMPUS_TZ
from tools.demo.scheduling.calls import Token, checked, solved_job
from tools.demo.scheduling.rota import rota_name, this_monday

COLLEGE = "cs"
POST = "reception"
PLACE = "校团委办公室 A203 前台"
EARLIER, CURRENT = "earlier", "current"
# The earlier shift's holder hands over; of the current shift's, the first signs in late
# and the second never comes.
HANDS_OVER, SIGNS_IN, MISSES = "cs-2024006", "cs-2024004", "cs-2024005"
NOTE = {
    "work_done": "接待来访同学三人，登记了两份活动场地申请，整理了本周值班记录。",
    "problems": "打印机卡纸，已报修，维修师傅明天上午来。",
    "unfinished_tasks": "迎新活动报名表还差两个班未收齐，请下一班继续催收。",
    "important_notes": "值班结束后务必切断电脑、打印机、饮水机的电源。",
}
WAIT_S = 120.0


def _wall(at: datetime) -> tuple[date, str]:
    local = at.astimezone(CAMPUS_TZ)
    return local.date(), local.strftime("%H:%M")


def reception_problem(now: datetime) -> dict[str, Any]:
    """Today's reception rota: the earlier shift ended 30 minutes ago, the current one
    started 20 minutes ago (each 4 hours); two days when the earlier began yesterday."""
    earlier_day, earlier_start = _wall(now - timedelta(hours=4, minutes=30))
    current_day, current_start = _wall(now - timedelta(minutes=20))
    days = (current_day - earlier_day).days + 1
    cells = {(EARLIER, (earlier_day - earlier_day).days), (CURRENT, days - 1)}
    return {
        "name": reception_name(current_day),
        "start": earlier_day.isoformat(),
        "days": days,
        "shift_types": [
            {"id": kind, "post": POST, "place": PLACE, "start": start, "length_minutes": 240}
            for kind, start in ((EARLIER, earlier_start), (CURRENT, current_start))
        ],
        "staff": [{"id": person} for person in (HANDS_OVER, SIGNS_IN, MISSES)],
        "cover": [
            {
                "shift_type": kind,
                "day": day,
                "required": (1 if kind == EARLIER else 2) if (kind, day) in cells else 0,
                "maximum": (1 if kind == EARLIER else 2) if (kind, day) in cells else 0,
            }
            for kind in (EARLIER, CURRENT)
            for day in range(days)
        ],
        "requests": [
            {"staff": HANDS_OVER, "day": 0, "shift_type": EARLIER, "kind": "on", "weight": 100},
            {
                "staff": SIGNS_IN,
                "day": days - 1,
                "shift_type": CURRENT,
                "kind": "on",
                "weight": 100,
            },
            {"staff": MISSES, "day": days - 1, "shift_type": CURRENT, "kind": "on", "weight": 100},
        ],
    }


def reception_name(day: date) -> str:
    return f"前台值班签到演示（{day.month}月{day.day}日）"


async def _published_rota(
    client: httpx.AsyncClient, root: str, officer: dict[str, str], name: str
) -> dict[str, Any] | None:
    listed = checked(
        await client.get(f"{root}/rotas", params={"limit": 200}, headers=officer), 200
    ).json()["items"]
    found = next((r for r in listed if r["name"] == name and r["status"] == "published"), None)
    if found is None:
        return None
    detail: dict[str, Any] = checked(
        await client.get(f"{root}/rotas/{found['rota_id']}", headers=officer), 200
    ).json()
    return detail


async def _publish_reception(
    client: httpx.AsyncClient, root: str, officer: dict[str, str], now: datetime
) -> dict[str, Any]:
    problem = reception_problem(now)
    job_id = await solved_job(
        client, root, officer, kind="rota", problem=problem, time_limit_s=5, wait_s=WAIT_S
    )
    drafted = checked(
        await client.post(
            f"{root}/rotas",
            json={"job_id": job_id, "name": problem["name"]},
            headers=officer,
        ),
        201,
    ).json()
    detail: dict[str, Any] = checked(
        await client.post(f"{root}/rotas/{drafted['rota_id']}/publish", headers=officer), 200
    ).json()
    return detail


async def _sign_in(
    client: httpx.AsyncClient,
    root: str,
    officer: dict[str, str],
    token: Token,
    shift: dict[str, Any],
    person: str,
) -> str:
    """Sign `person` in for `shift` with the code its desk shows now: "late", "on time",
    or "closed" (the shift's window is over: the demo was loaded earlier)."""
    code = checked(
        await client.get(f"{root}/desk/{shift['post']}/code", headers=officer), 200
    ).json()["code"]
    signed = checked(
        await client.post(
            f"{root}/check-ins",
            json={"code": code, "shift_id": str(shift["shift_id"])},
            headers=token(person, "student", COLLEGE),
        ),
        200,
        201,
        409,
    )
    if signed.status_code == 409:
        return "closed"
    return "late" if signed.json()["late"] else "on time"


def _open_now(shift: dict[str, Any], now: datetime) -> bool:
    starts = datetime.fromisoformat(shift["starts_at"])
    ends = datetime.fromisoformat(shift["ends_at"])
    return starts - timedelta(minutes=15) <= now < ends


async def seed_desk(client: httpx.AsyncClient, urls: dict[str, str], token: Token) -> str:
    root = f"{urls['scheduling']}/api/scheduling/colleges/{COLLEGE}"
    officer = token(f"{COLLEGE}-officer", "officer", COLLEGE)
    now = datetime.now(UTC)
    parts: list[str] = []

    office = await _published_rota(client, root, officer, rota_name(this_monday()))
    office_open = [s for s in (office or {}).get("shifts", []) if _open_now(s, now)]
    for shift in office_open:
        for person in shift["holders"]:
            state = await _sign_in(client, root, officer, token, shift, person)
            parts.append(f"{person} signed in at {shift['post']} ({state})")
    if not office_open:
        parts.append("no office shift open for sign-in now")

    name = reception_name(_wall(now - timedelta(minutes=20))[0])
    reception = await _published_rota(client, root, officer, name)
    if reception is None:
        reception = await _publish_reception(client, root, officer, now)
    by_type = {s["shift_type"]: s for s in reception["shifts"]}
    earlier, current = by_type[EARLIER], by_type[CURRENT]
    state = await _sign_in(client, root, officer, token, current, SIGNS_IN)
    parts.append(f"{SIGNS_IN} signed in at {POST} ({state})")
    handed = checked(
        await client.post(
            f"{root}/shifts/{earlier['shift_id']}/handover",
            json=NOTE,
            headers=token(HANDS_OVER, "student", COLLEGE),
        ),
        201,
        409,
    )
    parts.append(
        f"handover by {HANDS_OVER} " + ("recorded" if handed.status_code == 201 else "present")
    )
    given = datetime.fromisoformat(reception["published_at"]).astimezone(CAMPUS_TZ)
    parts.append(
        f"no-show of {MISSES} at {POST}: DutyMissed at the check-in grace after {given:%H:%M}"
    )
    return f"desk: {name}; " + "; ".join(parts)
