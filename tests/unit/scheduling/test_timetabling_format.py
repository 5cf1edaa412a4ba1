"""The timetable JSON format: bad input refused naming the field and rule; the result
document and the lessons read back from it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from services.scheduling.domain.rules import RuleBroken
from services.scheduling.domain.solving import ProblemLimits
from services.scheduling.schemas.timetabling import (
    lessons_from_document,
    parse_timetable_problem,
    timetable_result_document,
)
from services.scheduling.solver.timetabling import solve_timetable

pytestmark = pytest.mark.unit

EXAMPLES = Path(__file__).parents[3] / "docs" / "examples"

GENERAL: dict[str, Any] = {
    "name": "tiny",
    "starts_on": "2024-07-08",
    "periods": [
        {"id": "mon-1", "day": 0, "index": 0, "starts": "08:30", "ends": "09:15"},
        {"id": "mon-2", "day": 0, "index": 1, "starts": "09:30", "ends": "10:15"},
        {"id": "tue-1", "day": 1, "index": 0, "starts": "08:30", "ends": "09:15"},
    ],
    "schools": [{"id": "s1", "name": "响肠小学"}],
    "classes": [{"id": "g3", "school": "s1", "pupils": 18}],
    "rooms": [{"id": "r1", "school": "s1", "capacity": 20}],
    "teachers": [{"id": "v1", "name": "李明", "unavailable": ["tue-1"]}],
    "courses": [
        {"id": "english", "subject": "english", "classes": ["g3"], "teacher": "v1", "lessons": 2}
    ],
}


def refused(document: object, limits: ProblemLimits | None = None) -> RuleBroken:
    with pytest.raises(RuleBroken) as caught:
        parse_timetable_problem(document, limits or ProblemLimits())
    assert caught.value.invalid
    return caught.value


def changed(path: str, value: object) -> dict[str, Any]:
    """GENERAL with the value at a dotted path (list indexes as numbers) replaced."""
    document = copy.deepcopy(GENERAL)
    *parents, last = path.split(".")
    here: Any = document
    for key in parents:
        here = here[int(key)] if key.isdigit() else here[key]
    if last.isdigit():
        here[int(last)] = value
    else:
        here[last] = value
    return document


def test_the_general_document_parses() -> None:
    p = parse_timetable_problem(GENERAL, ProblemLimits())
    assert p.course_by_id["english"].week == 0
    assert p.teacher_by_id["v1"].unavailable == {"tue-1"}


@pytest.mark.parametrize(
    ("path", "value", "field", "rule"),
    [
        ("courses.0.classes", ["g9"], "courses[0].classes[0]", "unknown_class"),
        ("courses.0.teacher", "nobody", "courses[0].teacher", "unknown_teacher"),
        ("courses.0.rooms", ["r9"], "courses[0].rooms[0]", "unknown_room"),
        ("classes.0.school", "s9", "classes[0].school", "unknown_school"),
        ("teachers.0.unavailable", ["sun-9"], "teachers[0].unavailable[0]", "unknown_period"),
        ("courses.0.lessons", 0, "courses[0].lessons", "not_positive"),
        ("courses.0.lessons", -2, "courses[0].lessons", "not_positive"),
        ("courses.0.lessons", 4, "courses[0].lessons", "too_large"),
        ("courses.0.lessons", "two", "courses[0].lessons", "type"),
        ("courses.0.min_days", 3, "courses[0].min_days", "too_large"),
        ("courses.0.week", 2, "courses[0].week", "too_large"),
        ("rooms.0.capacity", 0, "rooms[0].capacity", "not_positive"),
        ("classes.0.pupils", -1, "classes[0].pupils", "not_positive"),
        ("periods.1.ends", "09:00", "periods[1].ends", "not_positive"),
        ("periods.1.starts", "9h30", "periods[1].starts", "format"),
        ("periods.1.id", "mon-1", "periods[1].id", "duplicate"),
        ("periods.1.index", 0, "periods[1].index", "duplicate"),
        ("starts_on", "8 July", "starts_on", "format"),
        ("weights", {"noise": 1}, "weights.noise", "invalid"),
    ],
)
def test_bad_input_names_the_field_and_rule(
    path: str, value: object, field: str, rule: str
) -> None:
    broken = refused(changed(path, value))
    assert (broken.field, broken.rule) == (field, rule)


def test_duplicate_ids_are_refused() -> None:
    document = copy.deepcopy(GENERAL)
    document["courses"].append(dict(document["courses"][0]))
    broken = refused(document)
    assert (broken.field, broken.rule) == ("courses[1].id", "duplicate")


def test_more_lessons_than_open_periods_is_refused() -> None:
    # v1 is away on Tuesday: two periods left for three lessons.
    document = changed("courses.0.lessons", 3)
    broken = refused(document)
    assert (broken.field, broken.rule) == ("courses[0].lessons", "more_lessons_than_periods")


def test_a_course_of_classes_of_two_schools_is_refused() -> None:
    document = copy.deepcopy(GENERAL)
    document["schools"].append({"id": "s2"})
    document["classes"].append({"id": "g4", "school": "s2", "pupils": 10})
    document["courses"][0]["classes"] = ["g3", "g4"]
    assert refused(document).rule == "one_school"


def test_an_oversize_problem_is_refused_before_any_solve() -> None:
    broken = refused(GENERAL, ProblemLimits(max_lessons=1))
    assert (broken.field, broken.rule) == ("courses", "too_large")


@pytest.mark.parametrize("document", [None, [], "x", 3])
def test_a_document_that_is_not_an_object_is_refused(document: object) -> None:
    assert refused(document).rule == "type"


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"template": "winter"}, "template", "unknown_template"),
        ({"schools": []}, "schools", "required"),
        ({"schools": [{"id": "s1", "pupils": 12}]}, "schools[0].pupils", "pupils_per_school"),
        ({"schools": [{"id": "s1", "pupils": 61}]}, "schools[0].pupils", "pupils_per_school"),
        ({"teams": [{"id": "t", "volunteers": []}]}, "teams[0].volunteers", "required"),
        (
            {"teams": [{"id": "t", "volunteers": ["a"], "teaches": {"chess": "a"}}]},
            "teams[0].teaches.chess",
            "unknown_subject",
        ),
        (
            {"teams": [{"id": "t", "volunteers": ["a"], "teaches": {"english": "b"}}]},
            "teams[0].teaches.english",
            "unknown_volunteer",
        ),
        ({"ends_on": "2024-08-12"}, "ends_on", "weeks"),
        ({"rotation": [{"t": "s1"}]}, "rotation", "weeks"),
        ({"rotation": [{"x": "s1"}] * 5}, "rotation[0].x", "unknown_team"),
        ({"rotation": [{"t": "s9"}] * 5}, "rotation[0].t", "unknown_school"),
        ({"language": "fr"}, "language", "unknown_language"),
    ],
)
def test_bad_summer_documents_name_the_field(change: dict[str, Any], field: str, rule: str) -> None:
    document = {
        "template": "summer",
        "starts_on": "2024-07-08",
        "ends_on": "2024-08-11",
        "schools": [{"id": "s1", "pupils": 40}],
        "teams": [{"id": "t", "volunteers": ["a", "b", "c", "d", "e"]}],
        **change,
    }
    broken = refused(document)
    assert (broken.field, broken.rule) == (field, rule)


def test_a_volunteer_too_often_away_to_teach_is_named() -> None:
    away = [f"{d}-{n}" for d in ("mon", "tue", "wed", "thu", "fri") for n in range(1, 7)]
    document = {
        "template": "summer",
        "year": 2024,
        "schools": [{"id": "s1", "pupils": 40}],
        "teams": [
            {
                "id": "t",
                "volunteers": [{"id": "a", "unavailable": away}, "b"],
                "teaches": {"homework": "a"},
            }
        ],
    }
    broken = refused(document)
    assert (broken.field, broken.rule) == ("teams[0].volunteers", "more_lessons_than_periods")


def test_the_result_document_has_views_and_reads_back() -> None:
    problem = parse_timetable_problem(GENERAL, ProblemLimits())
    outcome = solve_timetable(problem, time_limit_s=5)
    document = timetable_result_document(outcome)
    json.dumps(document)
    assert document["status"] == "optimal"
    assert [x["period"] for x in document["lessons"]] == ["mon-1", "mon-2"]
    assert document["lessons"][0]["starts_at"] == "2024-07-08T08:30:00+08:00"
    assert document["views"]["volunteers"]["v1"] == {"name": "李明", "lessons": [0, 1]}
    assert document["views"]["classes"]["g3"]["lessons"] == [0, 1]
    assert lessons_from_document(document) == outcome.lessons


def test_the_example_files_parse() -> None:
    for name in ("timetable-summer.json", "timetable-general.json"):
        problem = parse_timetable_problem(
            json.loads((EXAMPLES / name).read_text(encoding="utf-8")), ProblemLimits()
        )
        assert problem.courses
