"""The office duty rota (DOMAIN.md §2) as a template that expands into the general model.

Two posts by default: the day post 08:00–12:00 and the evening post 14:00–18:00, on the
office's open weekdays. Members are available only outside their class timetable (weekly
busy slots) and their unavailable dates. Two rules of the work:

- "weekly_post": a person holds a post for a whole week (a holding block of the post's
  open days that week) and posts rotate weekly (whoever holds a post one week does not
  hold it the next);
- "weekly_duty": every member does at least one duty a week of at least 3 hours
  (`min_duty_min`), each post needing at least its seats and holding at most its capacity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Literal

from services.scheduling.domain.rostering import (
    Cover,
    Fairness,
    Holding,
    RotaProblem,
    ShiftType,
    Staff,
    WeeklyDuty,
)

OfficeRule = Literal["weekly_post", "weekly_duty"]


@dataclass(frozen=True)
class BusySlot:
    """A weekly busy time (a class): weekday 0 = Monday, from `start` to `end`."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class OfficeMember:
    id: str
    name: str = ""
    busy: tuple[BusySlot, ...] = ()
    unavailable_dates: frozenset[date] = frozenset()
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True)
class OfficePost:
    id: str
    start: time
    end: time
    place: str = ""
    seats: int = 1
    capacity: int | None = None  # weekly_duty: at most this many (default: seats + 2)

    @property
    def length_min(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)


DAY_POST = OfficePost("day", time(8, 0), time(12, 0), place="office")
EVENING_POST = OfficePost("evening", time(14, 0), time(18, 0), place="office")


@dataclass(frozen=True)
class OfficeTemplate:
    start: date
    weeks: int
    members: tuple[OfficeMember, ...]
    posts: tuple[OfficePost, ...] = (DAY_POST, EVENING_POST)
    open_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    rule: OfficeRule = "weekly_post"
    min_duty_min: int = 180
    fairness_weight: int = 1
    name: str = "office rota"


def _minutes(wall: time) -> int:
    return wall.hour * 60 + wall.minute


def busy_during(member: OfficeMember, weekday: int, post: OfficePost) -> bool:
    """True when one of the member's classes overlaps the post's hours that weekday."""
    return any(
        slot.weekday == weekday
        and _minutes(slot.start) < _minutes(post.end)
        and _minutes(post.start) < _minutes(slot.end)
        for slot in member.busy
    )


def office_problem(template: OfficeTemplate) -> RotaProblem:
    """The general rota problem of an office template."""
    days = template.weeks * 7
    open_days = [
        day
        for day in range(days)
        if (template.start + timedelta(days=day)).weekday() in template.open_weekdays
    ]
    kinds = tuple(
        ShiftType(post.id, post.id, post.start, post.length_min, place=post.place)
        for post in template.posts
    )
    staff = []
    for member in template.members:
        off = frozenset(
            day
            for day in range(days)
            if template.start + timedelta(days=day) in member.unavailable_dates
        )
        busy = frozenset(
            (day, post.id)
            for day in open_days
            for post in template.posts
            if busy_during(member, (template.start + timedelta(days=day)).weekday(), post)
        )
        staff.append(
            Staff(member.id, days_off=off, unavailable=busy, skills=member.skills, name=member.name)
        )
    weekly = template.rule == "weekly_post"
    cover = tuple(
        Cover(day, post.id, post.seats)
        if weekly
        else Cover(
            day,
            post.id,
            post.seats,
            over_weight=1,
            maximum=post.capacity if post.capacity is not None else post.seats + 2,
        )
        for day in open_days
        for post in template.posts
    )
    holdings: tuple[Holding, ...] = ()
    if weekly:
        holdings = tuple(
            Holding(
                f"{post.id}-week{week + 1}",
                tuple((day, post.id) for day in open_days if day // 7 == week),
                frozenset({f"{post.id}-week{week + 2}"})
                if week + 1 < template.weeks
                else frozenset(),
            )
            for week in range(template.weeks)
            for post in template.posts
            if any(day // 7 == week for day in open_days)
        )
    return RotaProblem(
        start=template.start,
        days=days,
        shift_types=kinds,
        staff=tuple(staff),
        cover=cover,
        fairness=Fairness(template.fairness_weight) if template.fairness_weight else None,
        holdings=holdings,
        weekly_duty=None if weekly else WeeklyDuty(1, template.min_duty_min),
        name=template.name,
    )
