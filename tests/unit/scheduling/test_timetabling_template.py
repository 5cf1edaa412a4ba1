"""The summer programme template: its week, its courses, the rotation of teams, dated lessons."""

from __future__ import annotations

from collections import Counter
from datetime import date, time
from typing import Any

import pytest

from services.scheduling.domain.solving import ProblemLimits
from services.scheduling.domain.summer_programme import SUBJECTS
from services.scheduling.schemas.timetabling import (
    parse_timetable_problem,
    timetable_result_document,
)
from services.scheduling.solver.timetabling import solve_timetable

pytestmark = pytest.mark.unit


def summer(schools: int = 2, teams: int | None = None, **more: Any) -> dict[str, Any]:
    return {
        "template": "summer",
        "year": 2024,
        "schools": [
            {"id": f"s{i}", "name": f"小学{i}", "pupils": 30 + 7 * i} for i in range(schools)
        ],
        "teams": [
            {"id": f"team-{t}", "volunteers": [f"v{t}-{j}" for j in range(5)]}
            for t in range(schools if teams is None else teams)
        ],
        **more,
    }


def test_the_week_has_six_teaching_days_and_a_short_saturday() -> None:
    p = parse_timetable_problem(summer(1), ProblemLimits())
    per_day = Counter(x.day for x in p.periods if x.starts < time(18))
    assert per_day == {0: 6, 1: 6, 2: 6, 3: 6, 4: 6, 5: 3}  # Saturday afternoon: the party
    assert [(x.starts, x.ends) for x in p.periods if x.day == 0][:6] == [
        (time(8, 30), time(9, 15)),
        (time(9, 30), time(10, 15)),
        (time(10, 30), time(11, 15)),
        (time(14, 30), time(15, 15)),
        (time(15, 25), time(16, 10)),
        (time(16, 20), time(17, 5)),
    ]
    evenings = [x for x in p.periods if x.starts == time(18, 30)]
    assert [x.day for x in evenings] == [0, 1, 2, 3, 4]
    assert not any(x.day == 6 for x in p.periods)  # Sunday the team moves
    assert p.starts_on == date(2024, 7, 8) and p.weeks == 5


def test_each_class_gets_the_weekly_course_counts_and_the_film_is_shared() -> None:
    p = parse_timetable_problem(summer(1), ProblemLimits())
    week1 = [c for c in p.courses if c.week == 0]
    classes = {k.class_id for k in p.classes}
    assert len(classes) == 3  # grades 3-5
    for class_id in classes:
        own = {c.subject: c.lessons for c in week1 if c.class_ids == (class_id,)}
        assert own == {s.subject: s.lessons for s in SUBJECTS if not s.shared}
        assert sum(own.values()) == 31
    (film,) = [c for c in week1 if c.subject == "film"]
    assert set(film.class_ids) == classes and film.lessons == 3
    assert film.name == "电影天堂"
    assert {c.name for c in week1 if c.subject == "homework"} == {"暑假作业辅导"}


def test_teams_rotate_weekly_across_the_schools() -> None:
    p = parse_timetable_problem(summer(3), ProblemLimits())
    at: dict[tuple[int, str], set[str]] = {}
    for c in p.courses:
        school = p.class_by_id[c.class_ids[0]].school_id
        at.setdefault((c.week, school), set()).add(c.teacher_id.split("-")[0])
    assert at[(0, "s0")] == {"v0"} and at[(1, "s1")] == {"v0"} and at[(2, "s2")] == {"v0"}
    assert at[(1, "s0")] == {"v2"}
    assert p.notes["rotation"][1]["teams"][0] == {"team": "team-0", "school": "s1"}
    assert p.notes["rotation"][0]["farewell_party"] == "2024-07-13"
    assert p.notes["rotation"][0]["moving_day"] == "2024-07-14"


def test_an_explicit_rotation_places_the_teams() -> None:
    rotation = [{"team-0": "s1"}] * 5
    p = parse_timetable_problem(summer(2, teams=1, rotation=rotation), ProblemLimits())
    schools = {p.class_by_id[c.class_ids[0]].school_id for c in p.courses}
    assert schools == {"s1"}


def test_the_summer_timetable_is_solved_checked_and_dated() -> None:
    p = parse_timetable_problem(summer(1), ProblemLimits())
    outcome = solve_timetable(p, time_limit_s=10)
    assert outcome.status in ("optimal", "feasible")
    assert outcome.hard_violations == ()
    document = timetable_result_document(outcome)
    assert len(document["lessons"]) == 5 * (3 * 31 + 3)
    film = [x for x in document["lessons"] if x["subject"] == "film"]
    assert {x["starts"] for x in film} == {"18:30"}
    first = min(document["lessons"], key=lambda x: x["starts_at"])
    assert first["date"] == "2024-07-08" and first["starts_at"] == "2024-07-08T08:30:00+08:00"
    assert not any(x["date"] == "2024-07-13" and x["starts"] >= "14:30" for x in film)
    assert document["views"]["schools"]["s0"]["lessons"]
    assert set(document["views"]["classes"]) == {"s0-g3", "s0-g4", "s0-g5"}
    assert document["notes"]["template"] == "summer"


def test_english_names_on_request() -> None:
    p = parse_timetable_problem({**summer(1), "language": "en"}, ProblemLimits())
    assert {c.name for c in p.courses if c.subject == "film"} == {"Evening film"}
