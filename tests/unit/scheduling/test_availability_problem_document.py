"""The general rota document a pool-built problem is answered with reads back as the same
problem: nothing of the office template (holdings, cover, weekly duty, fairness) or of
the members' unavailability is lost on the way."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from services.scheduling.domain.solving import ProblemLimits
from services.scheduling.schemas.rostering import parse_rota_problem
from services.scheduling.schemas.rota_problems import OfficeProblemForm, rota_problem_document

pytestmark = pytest.mark.unit

EXAMPLES = Path(__file__).parents[3] / "docs" / "examples"
LIMITS = ProblemLimits()


@pytest.mark.parametrize("example", ["rota-office.json", "rota-general.json"])
def test_a_problem_survives_its_document(example: str) -> None:
    problem = parse_rota_problem(json.loads((EXAMPLES / example).read_text()), LIMITS)
    document = rota_problem_document(problem)
    assert "template" not in document
    assert parse_rota_problem(json.loads(json.dumps(document)), LIMITS) == problem


@pytest.mark.parametrize("rule", ["weekly_post", "weekly_duty"])
def test_the_office_form_expands_with_unavailable_cells_kept(rule: str) -> None:
    form = OfficeProblemForm.model_validate(
        {"start": "2026-09-07", "weeks": 2, "rule": rule, "organisation_id": "office"}
    )
    members = [{"id": "cs-1", "skills": ["first_aid"]}, {"id": "cs-2", "skills": []}]
    problem = parse_rota_problem(form.office_document(members), LIMITS)
    assert [person.id for person in problem.staff] == ["cs-1", "cs-2"]
    busy = replace(problem.staff[0], unavailable=frozenset({(0, "day"), (3, "evening")}))
    problem = replace(problem, staff=(busy, *problem.staff[1:]))
    again = parse_rota_problem(rota_problem_document(problem), LIMITS)
    assert again == problem
    assert again.staff[0].unavailable == {(0, "day"), (3, "evening")}
    assert (again.weekly_duty is None) == (rule == "weekly_post")
