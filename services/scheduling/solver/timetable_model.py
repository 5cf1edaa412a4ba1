"""The CP-SAT model of one independent part of a timetable problem: x[course, period, room]
booleans, the hard rules as constraints and the soft rules as the objective. With `explain`,
each hard requirement is guarded by an assumption literal instead (for naming conflicts when
a part is infeasible).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, Protocol

from ortools.sat.python import cp_model

from services.scheduling.domain.timetabling import Lesson, TimetableProblem


class _Values(Protocol):
    def boolean_value(self, literal: Any) -> bool: ...


def split_into_parts(problem: TimetableProblem) -> list[tuple[str, ...]]:
    """Courses grouped so that no two groups share a teacher, class or room in a week."""
    parent: dict[object, object] = {}

    def find(node: object) -> object:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for course in problem.courses:
        here = find(("course", course.course_id))
        links: list[object] = [("teacher", course.week, course.teacher_id)]
        links += [("class", course.week, k) for k in course.class_ids]
        links += [("room", course.week, r) for r in problem.rooms_for(course)]
        for link in links:
            parent[find(link)] = here
    groups: dict[object, list[str]] = defaultdict(list)
    for course in problem.courses:
        groups[find(("course", course.course_id))].append(course.course_id)
    return [tuple(ids) for ids in groups.values()]


class PartModel:
    """Lessons of the part's courses as booleans x[course, period, room], and its penalties.

    `rooms` and `periods` restrict some courses to some rooms or periods (a neighbourhood:
    fast to search, but its bound is no bound of the part).
    With `explain`, every course may use every period and each hard requirement is guarded
    by its own literal (the assumptions); there is no objective.
    """

    def __init__(
        self,
        problem: TimetableProblem,
        course_ids: Sequence[str],
        *,
        explain: bool = False,
        rooms: Mapping[str, Collection[str]] | None = None,
        periods: Mapping[str, Collection[str]] | None = None,
    ) -> None:
        self.problem = problem
        self.model = cp_model.CpModel()
        self._explain = explain
        self._rooms = rooms or {}
        self._periods = periods or {}
        self.requirements: dict[str, tuple[Any, str]] = {}  # name -> (literal, description)
        self.placed: dict[tuple[str, str, str], Any] = {}  # (course, period, room) -> x
        # Auxiliary variables with how to compute them from the lessons (complete hints).
        self._days: list[tuple[Any, str, int]] = []  # (var, course, day)
        self._short: list[tuple[Any, str]] = []
        self._uses: list[tuple[Any, str, str]] = []  # (var, course, room)
        self._extra: list[tuple[Any, str]] = []
        self._alone: list[tuple[Any, str, str]] = []  # (var, class, period)
        self._courses = [problem.course_by_id[c] for c in course_ids]
        self._week = {c.course_id: c.week for c in self._courses}
        self._build()

    def _require(self, constraint: Any, name: str, description: str) -> None:
        """A hard constraint; in explain mode guarded by the literal of requirement `name`."""
        if not self._explain:
            self.model.add(constraint)
            return
        if name not in self.requirements:
            self.requirements[name] = (self.model.new_bool_var(name), description)
        self.model.add(constraint).only_enforce_if(self.requirements[name][0])

    def _build(self) -> None:
        problem, m = self.problem, self.model
        held: dict[tuple[str, str], list[Any]] = defaultdict(list)  # (course, period)
        by_room: dict[tuple[str, str], list[Any]] = defaultdict(list)  # (room, period)
        for course in self._courses:
            periods = problem.periods if self._explain else problem.periods_for(course)
            if course.course_id in self._periods:
                kept = self._periods[course.course_id]
                periods = tuple(p for p in periods if p.period_id in kept)
            rooms = problem.rooms_for(course)
            if course.course_id in self._rooms:
                rooms = tuple(r for r in rooms if r in self._rooms[course.course_id])
            for period in periods:
                for room in rooms:
                    x = m.new_bool_var(f"x|{course.course_id}|{period.period_id}|{room}")
                    self.placed[(course.course_id, period.period_id, room)] = x
                    held[(course.course_id, period.period_id)].append(x)
                    by_room[(room, period.period_id)].append(x)
        y = {key: sum(xs) for key, xs in held.items()}
        per_course: dict[str, list[Any]] = defaultdict(list)
        teacher_slots: dict[tuple[str, str], list[Any]] = defaultdict(list)
        class_slots: dict[tuple[str, str], list[Any]] = defaultdict(list)
        for (course_id, period_id), expr in y.items():
            course = problem.course_by_id[course_id]
            per_course[course_id].append(expr)
            teacher_slots[(course.teacher_id, period_id)].append(expr)
            for class_id in course.class_ids:
                class_slots[(class_id, period_id)].append(expr)
        for course in self._courses:
            self._require(
                sum(per_course[course.course_id]) == course.lessons,
                f"lessons:{course.course_id}",
                f"course {course.course_id!r} gets exactly {course.lessons} lesson(s)",
            )
        for (course_id, _period), xs in held.items():
            if len(xs) > 1:  # one lesson of a course at a time, whatever the rooms
                first_class = problem.course_by_id[course_id].class_ids[0]
                self._require(
                    sum(xs) <= 1,
                    f"class-clash:{first_class}",
                    f"class {first_class!r} has one lesson at a time",
                )
        for what, slots in (("teacher", teacher_slots), ("class", class_slots)):
            for (who, _period), exprs in slots.items():
                if len(exprs) > 1:
                    self._require(
                        sum(exprs) <= 1,
                        f"{what}-clash:{who}",
                        f"{what} {who!r} has one lesson at a time",
                    )
        for (room, _period), xs in by_room.items():
            if len(xs) > 1:
                self._require(
                    sum(xs) <= 1, f"room-clash:{room}", f"room {room!r} holds one lesson at a time"
                )
        if self._explain:
            self._unavailability(y)
        else:
            self._objective(class_slots)

    def _unavailability(self, y: dict[tuple[str, str], Any]) -> None:
        problem = self.problem
        for course in self._courses:
            teacher = problem.teacher_by_id[course.teacher_id]
            owners = [("course", course.course_id, course.unavailable)]
            owners.append(("teacher", teacher.teacher_id, teacher.unavailable))
            owners += [("class", k, problem.class_by_id[k].unavailable) for k in course.class_ids]
            for what, who, blocked in owners:
                for period_id in sorted(blocked):
                    if (course.course_id, period_id) in y:
                        self._require(
                            y[(course.course_id, period_id)] == 0,
                            f"{what}-unavailable:{who}",
                            f"{what} {who!r} is unavailable at {', '.join(sorted(blocked))}",
                        )

    def _objective(self, class_slots: dict[tuple[str, str], list[Any]]) -> None:
        problem, m, w = self.problem, self.model, self.problem.weights
        terms: list[Any] = []
        days: dict[str, dict[int, list[Any]]] = defaultdict(lambda: defaultdict(list))
        rooms: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        for (course_id, period_id, room), x in self.placed.items():
            course = problem.course_by_id[course_id]
            excess = problem.pupils_of(course) - problem.room_by_id[room].capacity
            if excess > 0 and w.room_capacity:
                terms.append(w.room_capacity * excess * x)
            days[course_id][problem.period_by_id[period_id].day].append(x)
            rooms[course_id][room].append(x)
        for course in self._courses:
            cid = course.course_id
            if course.min_days > 1 and w.min_days:
                used = []
                for day, xs in sorted(days[cid].items()):
                    on = m.new_bool_var(f"day|{cid}|{day}")
                    m.add(on <= sum(xs))
                    used.append(on)
                    self._days.append((on, cid, day))
                short = m.new_int_var(0, course.min_days, f"short|{cid}")
                m.add(short >= course.min_days - sum(used))
                self._short.append((short, cid))
                terms.append(w.min_days * short)
            if len(rooms[cid]) > 1 and w.room_stability:
                uses = []
                for room, xs in rooms[cid].items():
                    u = m.new_bool_var(f"uses|{cid}|{room}")
                    for x in xs:
                        m.add_implication(x, u)
                    uses.append(u)
                    self._uses.append((u, cid, room))
                extra = m.new_int_var(0, len(uses) - 1, f"extra-rooms|{cid}")
                m.add(extra == sum(uses) - 1)
                self._extra.append((extra, cid))
                terms.append(w.room_stability * extra)
        if w.isolated:
            for (class_id, period_id), exprs in class_slots.items():
                around = [
                    e
                    for nb in problem.neighbours[period_id]
                    for e in class_slots.get((class_id, nb), [])
                ]
                alone = m.new_bool_var(f"alone|{class_id}|{period_id}")
                m.add(alone >= sum(exprs) - sum(around))
                self._alone.append((alone, class_id, period_id))
                terms.append(w.isolated * alone)
        m.minimize(sum(terms))

    def hint(self, lessons: Iterable[Lesson]) -> None:
        """A complete hint: the lessons and every auxiliary variable they imply."""
        lessons = [x for x in lessons if x.course_id in self._week]
        chosen = {(x.course_id, x.period_id, x.room_id) for x in lessons}
        m, problem = self.model, self.problem
        for key, x in self.placed.items():
            m.add_hint(x, key in chosen)
        days = {(x.course_id, problem.period_by_id[x.period_id].day) for x in lessons}
        used = {(x.course_id, x.room_id) for x in lessons}
        busy = {
            (k, x.period_id) for x in lessons for k in problem.course_by_id[x.course_id].class_ids
        }
        for var, cid, day in self._days:
            m.add_hint(var, (cid, day) in days)
        for var, cid in self._short:
            held = sum(1 for c, _d in days if c == cid)
            m.add_hint(var, max(0, problem.course_by_id[cid].min_days - held))
        for var, cid, room in self._uses:
            m.add_hint(var, (cid, room) in used)
        for var, cid in self._extra:
            m.add_hint(var, max(0, sum(1 for c, _r in used if c == cid) - 1))
        for var, class_id, period_id in self._alone:
            m.add_hint(
                var,
                (class_id, period_id) in busy
                and not any((class_id, nb) in busy for nb in problem.neighbours[period_id]),
            )

    def lessons(self, values: _Values) -> tuple[Lesson, ...]:
        return tuple(
            Lesson(course_id=c, week=self._week[c], period_id=p, room_id=r)
            for (c, p, r), x in self.placed.items()
            if values.boolean_value(x)
        )
