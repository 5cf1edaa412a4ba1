"""The activity-calendar benchmark (`campusflow bench scheduling`): 500 activities over
20 departments in one month, placed without a clash of a shared person or room.

The month is generated with a fixed seed. Each department has 12 members; the presidium
(6) and four photographers join other departments' activities, and
a fifth of the activities borrow a member of another department. 15 rooms; seven in ten
activities need one. Durations 1–4 hours. Windows are what departments write in their
monthly plans: "late April" (ten days), "the week of the 12th", "on the 17th", "the
evening of the 20th" (18:00–22:00) — each built around a hidden placement that
clashes with nothing, so the month is known to be feasible.

Timed: from the model build to the first plan the independent checker finds clash-free
(the solver stops at its first solution); `calendar_conflicts` is the checker's count.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as wall
from typing import Any
from uuid import UUID

from rich.console import Console

from services.scheduling.domain.activities import SLOT_MIN, ActivityNeeds
from services.scheduling.domain.activity_check import check_calendar
from services.scheduling.domain.activity_plans import CalendarProblem
from services.scheduling.domain.calendar_time import CAMPUS_TZ, at_campus
from services.scheduling.domain.solving import SolveProgress
from services.scheduling.solver.calendar import solve_calendar

MONTH = date(2027, 4, 1)
DAYS = 30
SEED = 8


@dataclass(frozen=True)
class Size:
    activities: int
    departments: int
    time_limit_s: float


FULL = Size(activities=500, departments=20, time_limit_s=10.0)
QUICK = Size(activities=100, departments=5, time_limit_s=5.0)
DEPARTMENTS = (
    "presidium", "office", "organisation", "publicity", "arts", "sports", "study",
    "volunteers", "finance", "social_practice", "external_relations", "youth_league",
    "media", "it", "psychology", "environment", "red_cross", "debate", "photography",
    "women",
)  # fmt: skip
ROOMS = tuple(
    ["报告厅", "多功能厅", "学生活动中心 101", "学生活动中心 201", "操场", "体育馆"]
    + [f"教学楼 A{n}" for n in (101, 102, 201, 202, 301)]
    + ["图书馆报告厅", "会议室 1", "会议室 2", "团委会议室"]
)
TITLES = ("义务助教", "义务献血", "社区服务", "走进公交", "讲座", "比赛", "交流会", "培训")


def _hidden_start(
    rng: random.Random,
    busy: dict[str, list[tuple[datetime, datetime]]],
    resources: list[str],
    duration: int,
) -> datetime | None:
    """A start in the month that clashes with nothing placed so far (the hidden plan)."""
    for _ in range(300):
        day = MONTH + timedelta(days=rng.randrange(DAYS))
        opens = rng.choice((8 * 60, 14 * 60, 18 * 60))
        latest = 22 * 60 - duration
        if latest < opens:
            continue
        minute = opens + SLOT_MIN * rng.randrange((latest - opens) // SLOT_MIN + 1)
        start = at_campus(day, wall(minute // 60, minute % 60))
        end = start + timedelta(minutes=duration)
        if all(e <= start or end <= s for r in resources for s, e in busy[r]):
            for r in resources:
                busy[r].append((start, end))
            return start
    return None


def _window(rng: random.Random, start: datetime) -> tuple[datetime, datetime]:
    """The window a department writes in its plan, around the hidden placement."""
    first, last = MONTH, MONTH + timedelta(days=DAYS - 1)
    day = start.astimezone(CAMPUS_TZ).date()
    kind = rng.random()
    if kind < 0.3:  # "late April": a third of the month
        third = min(2, (day - first).days // 10)
        lo, hi = first + timedelta(days=10 * third), first + timedelta(days=10 * third + 9)
    elif kind < 0.65:  # "the week of the 12th": a few days either side
        lo, hi = day - timedelta(days=rng.randint(0, 3)), day + timedelta(days=rng.randint(0, 3))
    elif kind < 0.85 or start < at_campus(day, wall(18, 0)):  # one given day
        lo = hi = day
    else:  # "the evening of the 20th"
        return at_campus(day, wall(18, 0)), at_campus(day, wall(22, 0))
    lo, hi = max(lo, first), min(hi, last)
    return at_campus(lo, wall(8, 0)), at_campus(hi, wall(22, 0))


def generate_month(*, activities: int, departments: int, seed: int = SEED) -> CalendarProblem:
    rng = random.Random(seed)
    names = DEPARTMENTS[:departments]
    members = {d: [f"{d}-{n:02d}" for n in range(1, 13)] for d in names}
    presidium = [f"presidium-chair-{n}" for n in range(1, 7)]
    photographers = [f"photographer-{n}" for n in range(1, 5)]
    busy: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    drafts: list[ActivityNeeds] = []
    while len(drafts) < activities:
        department = names[len(drafts) % len(names)]
        duration = rng.choice((60, 90, 120, 120, 180, 240))
        people = rng.sample(members[department], rng.randint(2, 6))
        if rng.random() < 0.35:
            people.append(rng.choice(presidium))
        if rng.random() < 0.25:
            people.append(rng.choice(photographers))
        if rng.random() < 0.2:
            people.append(rng.choice(members[rng.choice(names)]))
        people = list(dict.fromkeys(people))
        room = (
            rng.choice(ROOMS[:6] if rng.random() < 0.5 else ROOMS) if rng.random() < 0.7 else None
        )
        resources = [f"p:{p}" for p in people] + ([f"r:{room}"] if room else [])
        start = _hidden_start(rng, busy, resources, duration)
        if start is None:
            continue
        earliest, latest = _window(rng, start)
        drafts.append(
            ActivityNeeds(
                activity_id=UUID(int=rng.getrandbits(128)),
                department_id=department,
                title=f"{department} {rng.choice(TITLES)} {len(drafts) + 1}",
                earliest_start=earliest,
                latest_end=latest,
                duration_min=duration,
                people=tuple(people),
                room=room,
            )
        )
    return CalendarProblem(drafts=tuple(drafts))


def bench_calendar(console: Console, quick: bool) -> dict[str, Any]:
    size = QUICK if quick else FULL
    problem = generate_month(activities=size.activities, departments=size.departments)
    people = {p for d in problem.drafts for p in d.people}
    console.log(
        f"calendar: {len(problem.drafts)} activities over {size.departments} departments, "
        f"{len(people)} people, {len({d.room for d in problem.drafts if d.room})} rooms, "
        f"one month; CP-SAT on 2 workers, limit {size.time_limit_s:g} s..."
    )

    def report(progress: SolveProgress) -> None:
        console.log(
            f"  calendar: clash-free plan at {progress.elapsed_s:.2f} s "
            f"(total delay {progress.objective:,.0f} min)"
        )

    started = time.perf_counter()
    outcome = solve_calendar(
        problem, time_limit_s=size.time_limit_s, workers=2, progress=report, improve_s=0
    )
    # Judged again here, from the placements alone, by the independent checker.
    verdict = check_calendar(problem.drafts, outcome.placements)
    elapsed = time.perf_counter() - started
    conflicts = verdict.conflicts if outcome.placements else None
    console.log(
        f"  calendar: {outcome.status} in {elapsed:.2f} s, {conflicts} conflicts by the checker; "
        f"goal 0 in <= 10 s: {'PASS' if conflicts == 0 and elapsed <= 10 else 'MISS'}"
    )
    return {
        "calendar_s": round(elapsed, 3),
        "calendar_conflicts": conflicts,
        "calendar_status": outcome.status,
        "calendar_activities": len(problem.drafts),
        "calendar_first_solution_s": outcome.first_solution_s,
    }
