"""The rota problem's JSON format: bad input refused naming the field; the result document;
the `campusflow schedule solve` command on the example files."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from services.scheduling.domain.roster_checker import check_rota
from services.scheduling.domain.solving import ProblemLimits
from services.scheduling.schemas.rostering import (
    assignments_of_document,
    parse_rota_problem,
    rota_result_document,
)
from services.scheduling.solver.rostering import solve_rota
from shared.rules import RuleBroken
from tools.cli.main import app as cli

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
GENERAL = ROOT / "docs" / "examples" / "rota-general.json"
OFFICE = ROOT / "docs" / "examples" / "rota-office.json"
LIMITS = ProblemLimits()


def general() -> dict[str, Any]:
    return json.loads(GENERAL.read_text(encoding="utf-8"))


def office() -> dict[str, Any]:
    return json.loads(OFFICE.read_text(encoding="utf-8"))


def test_the_general_example_parses_into_the_domain_problem() -> None:
    problem = parse_rota_problem(general(), LIMITS)
    assert problem.days == 7 and len(problem.staff) == 8
    assert [k.id for k in problem.shift_types] == ["D", "E", "L"]
    assert problem.shift_type("L").forbidden_next == frozenset({"D"})
    covers = {(c.day, c.shift_type): c for c in problem.cover}
    assert len(covers) == 21
    assert covers[(5, "D")].required == 1 and covers[(5, "D")].under_weight == 10
    assert covers[(1, "D")].required == 2 and covers[(1, "D")].under_weight is None
    assert len(problem.skill_requirements) == 7  # every day the late shift has cover
    assert problem.fairness is not None and problem.min_rest_min == 600


def test_the_office_example_expands_through_the_template() -> None:
    problem = parse_rota_problem(office(), LIMITS)
    assert problem.days == 14 and len(problem.holdings) == 4
    assert {k.id for k in problem.shift_types} == {"day", "evening"}
    li_ming = next(s for s in problem.staff if s.id == "cs-2024001")
    assert (1, "evening") in li_ming.unavailable and (8, "evening") in li_ming.unavailable
    assert (1, "day") not in li_ming.unavailable


def broken(data: Any, limits: ProblemLimits = LIMITS) -> RuleBroken:
    with pytest.raises(RuleBroken) as caught:
        parse_rota_problem(data, limits)
    assert caught.value.invalid
    return caught.value


def edited(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(general())
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "rule", "field"),
    [
        (
            lambda d: d["cover"].append({"shift_type": "X", "required": 1}),
            "unknown_shift_type",
            "cover[5].shift_type",
        ),
        (
            lambda d: d["requests"].append(
                {"staff": "cs-2024001", "day": 1, "shift_type": "Q", "kind": "on"}
            ),
            "unknown_shift_type",
            "requests[4].shift_type",
        ),
        (
            lambda d: d["requests"].append({"staff": "nobody", "day": 1, "kind": "on"}),
            "unknown_staff",
            "requests[4].staff",
        ),
        (
            lambda d: d["shift_types"][0].update(forbidden_next=["Z"]),
            "unknown_shift_type",
            "shift_types[0].forbidden_next[0]",
        ),
        (
            lambda d: d["shift_types"][1].update(length_minutes=0),
            "greater_than",
            "shift_types[1].length_minutes",
        ),
        (
            lambda d: d["shift_types"][1].update(length_minutes=-30),
            "greater_than",
            "shift_types[1].length_minutes",
        ),
        (
            lambda d: d["staff"][3].update(max_total_minutes=-1),
            "greater_than_equal",
            "staff[3].max_total_minutes",
        ),
        (
            lambda d: d["staff"][2].update(min_total_minutes=2000),
            "min_above_max",
            "staff[2].min_total_minutes",
        ),
        (lambda d: d["staff"].append({"id": "cs-2024001"}), "duplicate_id", "staff[8].id"),
        (
            lambda d: d["shift_types"].append(dict(d["shift_types"][0])),
            "duplicate_id",
            "shift_types[3].id",
        ),
        (
            lambda d: d["shift_types"][1].update(start="10:00"),
            "overlapping_posts",
            "shift_types[1].start",
        ),
        (
            lambda d: d["staff"][0].update(max_shifts={"Y": 1}),
            "unknown_shift_type",
            "staff[0].max_shifts.Y",
        ),
        (
            lambda d: d["staff"][4]["unavailable"].append({"day": 9, "shift_type": "D"}),
            "outside_horizon",
            "staff[4].unavailable[3].day",
        ),
        (
            lambda d: d["cover"].append({"shift_type": "D", "day": 5, "required": 1}),
            "duplicate_cover",
            "cover[5]",
        ),
        (lambda d: d["cover"][2].update(maximum=0), "maximum_below_required", "cover[2].maximum"),
        (
            lambda d: d["skill_requirements"][0].update(shift_type="nope"),
            "unknown_shift_type",
            "skill_requirements[0].shift_type",
        ),
        (lambda d: d.update(days=0), "greater_than_equal", "days"),
        (lambda d: d.update(start="2024-02-30"), "date_from_datetime_parsing", "start"),
        (
            lambda d: d["staff"][0].update(favourite_colour="blue"),
            "extra_forbidden",
            "staff[0].favourite_colour",
        ),
        (
            lambda d: d.update(
                holdings=[
                    {
                        "id": "h",
                        "cells": [{"day": 0, "shift_type": "D"}],
                        "forbidden_next": ["other"],
                    }
                ]
            ),
            "unknown_holding",
            "holdings[0].forbidden_next[0]",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field(change: Any, rule: str, field: str) -> None:
    refused = broken(edited(change))
    assert (refused.rule, refused.field) == (rule, field) or (
        refused.field == field and rule in refused.rule
    ), (refused.rule, refused.field)


def test_a_problem_over_the_size_limits_is_refused() -> None:
    assert broken(general(), ProblemLimits(max_staff=5)).field == "staff"
    assert broken(general(), ProblemLimits(max_days=6)).field == "days"
    assert broken(general(), ProblemLimits(max_shifts=20)).field == "cover"
    assert broken(office(), ProblemLimits(max_staff=5)).field == "members"
    assert broken(office(), ProblemLimits(max_days=7)).field == "weeks"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.update(template="factory"), "template"),
        (lambda d: d["members"].append({"id": "cs-2024001"}), "members[6].id"),
        (lambda d: d["posts"][0].update(end="07:00"), "posts[0].end"),
        (lambda d: d["members"][0]["busy"][0].update(weekday=7), "members[0].busy[0].weekday"),
        (
            lambda d: d["members"][0]["busy"][0].update(end="13:00", start="14:00"),
            "members[0].busy[0]",
        ),
        (lambda d: d.update(rule="whenever"), "rule"),
        (lambda d: d.update(weeks=0), "weeks"),
        (lambda d: d.update(posts=[]), "posts"),
    ],
)
def test_a_bad_office_document_is_refused_naming_the_field(change: Any, field: str) -> None:
    data = copy.deepcopy(office())
    change(data)
    assert broken(data).field == field


def test_not_a_json_object_is_refused() -> None:
    assert broken([1, 2, 3]).field == "body"


def test_the_result_document_carries_the_judged_outcome() -> None:
    problem = parse_rota_problem(general(), LIMITS)
    outcome = solve_rota(problem, time_limit_s=5)
    document = json.loads(json.dumps(rota_result_document(outcome)))
    assert document["status"] == "optimal" and document["publishable"] is True
    assert document["hard_violations"] == [] and document["conflicts"] == []
    assert document["objective"] == sum(document["penalties"].values())
    first = document["assignments"][0]
    assert set(first) == {
        "staff",
        "day",
        "date",
        "shift_type",
        "post",
        "place",
        "starts_at",
        "ends_at",
    }
    assert first["starts_at"].endswith("+08:00")
    back = assignments_of_document(document)
    assert check_rota(problem, back).objective == document["objective"]


def run_cli(*args: str) -> Result:
    """`campusflow schedule solve ARGS` in this process (typer's CliRunner: the same
    command, arguments, streams and exit code, without starting an interpreter)."""
    return CliRunner().invoke(cli, ["schedule", "solve", *args], catch_exceptions=False)


def test_the_cli_prints_the_checked_solution_of_the_general_example() -> None:
    done = run_cli(str(GENERAL), "--time-limit", "5")
    assert done.exit_code == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["status"] in ("optimal", "feasible")
    assert document["hard_violations"] == []
    assert "objective" in done.stderr and "checked" in done.stderr


def test_the_cli_exits_1_naming_conflicts(tmp_path: Path) -> None:
    impossible = general()
    impossible["cover"].append({"shift_type": "E", "day": 2, "required": 9})
    path = tmp_path / "impossible.json"
    path.write_text(json.dumps(impossible), encoding="utf-8")
    done = run_cli(str(path), "--time-limit", "5")
    assert done.exit_code == 1
    assert "cover of day 2 (2024-09-04) shift E needs 9" in json.loads(done.stdout)["conflicts"]


def test_the_installed_command_exits_2_naming_the_bad_field(tmp_path: Path) -> None:
    """The one real process: the console script `campusflow` hands the exit code to the shell."""
    bad = general()
    bad["cover"][0]["shift_type"] = "nope"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    command = shutil.which("campusflow")
    assert command is not None, "the campusflow console script is installed by setup"
    done = subprocess.run(
        [command, "schedule", "solve", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "cover[0].shift_type" in done.stderr and done.stdout == ""
    assert run_cli(str(path)).exit_code == 2  # in-process alike
