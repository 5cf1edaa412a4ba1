"""A staff assessment from the demo's duty records, through the API only.

The scheduling demo publishes the office rota and signs 刘洋 in (late) at the reception
desk; evaluation learns those facts from scheduling's events over Kafka. The officer sets
the term, gives 刘洋 her attitude / ability / teamwork scores and publishes; the loader
publishes again until the sign-in has arrived, so every figure names the events it came
from. Publishing with nothing new answers 200 and stores nothing.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date, datetime
from datetime import time as wall
from typing import Any

import httpx

from tools.demo.evaluation.cast import CAMPUS_TZ, COLLEGE, OFFICER, STAFF_MEMBER, STAFF_SCORES
from tools.demo.scheduling.calls import Token, checked
from tools.demo.scheduling.meetings import term_of

WAIT_S = 60.0


def term_window(today: date) -> tuple[str, datetime, datetime]:
    """The term today falls in (scheduling's label) and its window: autumn from 1 August
    to 1 February, spring from 1 February to 1 August, campus time."""
    term = term_of(today)
    year = int(term[:4])
    if term.endswith("autumn"):
        starts, ends = date(year, 8, 1), date(year + 1, 2, 1)
    else:
        starts, ends = date(year, 2, 1), date(year, 8, 1)
    return (
        term,
        datetime.combine(starts, wall(0), tzinfo=CAMPUS_TZ),
        datetime.combine(ends, wall(0), tzinfo=CAMPUS_TZ),
    )


async def assess_staff(client: httpx.AsyncClient, root: str, token: Token, now: datetime) -> str:
    officer = token(OFFICER, "officer", COLLEGE)
    term, starts_at, ends_at = term_window(now.astimezone(CAMPUS_TZ).date())
    checked(
        await client.put(
            f"{root}/terms/{term}",
            json={"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()},
            headers=officer,
        ),
        200,
        201,
    )
    checked(
        await client.put(
            f"{root}/terms/{term}/scores/{STAFF_MEMBER}", json=STAFF_SCORES, headers=officer
        ),
        200,
        201,
    )
    deadline = time.monotonic() + WAIT_S
    while True:
        checked(
            await client.post(
                f"{root}/terms/{term}/assessments/{STAFF_MEMBER}/publish", headers=officer
            ),
            200,
            201,
        )
        assessment: dict[str, Any] = checked(
            await client.get(f"{root}/terms/{term}/assessments/{STAFF_MEMBER}", headers=officer),
            200,
        ).json()
        kinds = {e["kind"] for e in assessment["evidence"]}
        if "checked_in" in kinds:
            return (
                f"staff assessment of {STAFF_MEMBER} for {term}: version "
                f"{assessment['version']}, total {assessment['total']:.1f}, from "
                f"{len(assessment['evidence'])} duty events ({', '.join(sorted(kinds))})"
            )
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"no sign-in of {STAFF_MEMBER} reached evaluation within {WAIT_S:g} s (the "
                "duty desk demo signs her in; evaluation learns it from scheduling's events)"
            )
        await asyncio.sleep(1.0)
