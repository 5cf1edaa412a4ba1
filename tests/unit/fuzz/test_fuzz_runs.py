"""What a schemathesis run is told: personas, hostile inputs, and a real run end to end."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter
from pydantic import BaseModel

from shared.web.app import create_app
from shared.web.fields import AwareDateTime
from tests.support.http_server import serve
from tests.unit.web.support import make_settings
from tools.fuzz.findings import merge
from tools.fuzz.runs import (
    FULL,
    HOSTILE_DATE_TIMES,
    PERSONAS,
    QUICK,
    Intensity,
    Persona,
    RunPlan,
    date_bindings,
    fresh_id_bindings,
    plan_runs,
    run_one,
    schemathesis_config,
)

pytestmark = pytest.mark.unit

DOCUMENT: dict[str, Any] = {
    "paths": {
        "/things/{college}": {
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Form"}}
                    }
                },
                "parameters": [
                    {
                        "name": "since",
                        "in": "query",
                        "schema": {"anyOf": [{"type": "string", "format": "date-time"}]},
                    }
                ],
            }
        }
    },
    "components": {
        "schemas": {
            "Form": {
                "properties": {
                    "id": {"type": "string", "pattern": "^[a-z0-9-]+$"},
                    "opens_at": {"type": "string", "format": "date-time"},
                    "slots": {"type": "array", "items": {"$ref": "#/components/schemas/Slot"}},
                    "born": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
                }
            },
            "Slot": {"properties": {"starts_at": {"type": "string", "format": "date-time"}}},
        }
    },
}


def test_every_date_and_date_time_is_bound_to_its_hostile_values() -> None:
    assert date_bindings(DOCUMENT) == {
        "body.born": "dates",
        "body.opens_at": "date-times",
        "body.slots[*].starts_at": "date-times",
        "query.since": "date-times",
    }


def test_a_client_chosen_id_gets_fresh_values() -> None:
    assert fresh_id_bindings(DOCUMENT) == ["body.id"]


def test_the_config_is_valid_toml_with_the_personas_college() -> None:
    officer = Persona("officer", "cs")
    config = tomllib.loads(schemathesis_config(officer, DOCUMENT))
    assert config["parameters"]["path.college"] == "cs"
    assert config["parameters"]["body.opens_at"]["dictionary"] == "date-times"
    assert config["dictionaries"]["date-times"]["values"] == list(HOSTILE_DATE_TIMES)
    assert "\x00" in config["dictionaries"]["hostile"]["values"]
    fresh = config["dictionaries"]["fresh-ids"]["values"]
    assert len(set(fresh)) == len(fresh)


def test_a_university_admin_roams_the_colleges() -> None:
    admin = Persona("university_admin", None)
    config = tomllib.loads(schemathesis_config(admin, DOCUMENT))
    assert config["parameters"]["path.college"]["dictionary"] == "colleges"


def test_the_quick_campaign_meets_hostile_strings_more_often_in_fewer_cases() -> None:
    full = tomllib.loads(schemathesis_config(Persona("student", "cs"), DOCUMENT))
    quick = tomllib.loads(schemathesis_config(Persona("student", "cs"), DOCUMENT, intensity=QUICK))
    assert full["generation"]["dictionaries"]["string"]["probability"] == FULL.hostile_strings
    assert quick["generation"]["dictionaries"]["string"]["probability"] == QUICK.hostile_strings
    assert quick["parameters"]["body.opens_at"]["probability"] == QUICK.hostile_dates
    # At least as many hostile strings per field as the full campaign's 15 cases.
    assert QUICK.max_examples * QUICK.hostile_strings >= FULL.max_examples * FULL.hostile_strings
    assert QUICK.max_examples < FULL.max_examples
    assert QUICK.hostile_dates <= 0.5  # half the generated dates stay valid


def test_one_persona_a_service_sends_the_undeclared_methods() -> None:
    full = plan_runs({"a": "http://a", "b": "http://b"}, Path("/tmp"), intensity=FULL)
    assert [(p.service, p.persona.role, p.unexpected_methods) for p in full] == [
        ("a", "student", True),
        ("a", "officer", False),
        ("a", "college_admin", False),
        ("a", "university_admin", False),
        ("b", "student", True),
        ("b", "officer", False),
        ("b", "college_admin", False),
        ("b", "university_admin", False),
    ]
    assert {p.phases for p in full} == {("examples", "coverage", "fuzzing")}
    # The quick campaign: the coverage phase (with the undeclared methods) only in the
    # college administrator's runs; the others keep the examples and the random cases.
    plans = plan_runs({"a": "http://a", "b": "http://b"}, Path("/tmp"), intensity=QUICK)
    assert [(p.service, p.persona.role, p.unexpected_methods, p.phases) for p in plans] == [
        (service, role, role == "college_admin", phases)
        for service in ("a", "b")
        for role, phases in (
            ("student", ("examples", "fuzzing")),
            ("officer", ("examples", "fuzzing")),
            ("college_admin", ("examples", "coverage", "fuzzing")),
            ("university_admin", ("examples", "fuzzing")),
        )
    ]
    assert {p.intensity for p in plans} == {QUICK}
    assert "--max-examples" in (command := plans[0].command())
    assert command[command.index("--max-examples") + 1] == str(QUICK.max_examples)
    assert command[command.index("--phases") + 1] == "examples,fuzzing"
    admin = plans[2].command()
    assert admin[admin.index("--phases") + 1] == "examples,coverage,fuzzing"
    # Asked for the student alone, the quick campaign keeps its boundary cases there.
    alone = plan_runs({"a": "http://a"}, Path("/tmp"), personas=PERSONAS[:1], intensity=QUICK)
    assert [(p.persona.role, p.unexpected_methods, p.phases) for p in alone] == [
        ("student", True, ("examples", "coverage", "fuzzing"))
    ]
    config = tomllib.loads(schemathesis_config(Persona("student", "cs"), DOCUMENT))
    assert "phases" not in config
    skipping = schemathesis_config(Persona("officer", "cs"), DOCUMENT, unexpected_methods=False)
    assert tomllib.loads(skipping)["phases"]["coverage"]["unexpected-methods"] == []


def test_the_personas_are_the_four_roles_asked_for() -> None:
    assert [p.name for p in PERSONAS] == [
        "student@cs",
        "officer@cs",
        "college_admin@cs",
        "university_admin",
    ]
    for persona in PERSONAS:
        assert persona.headers()["Authorization"].startswith("Bearer ")


class Window(BaseModel):
    opens_at: AwareDateTime


def broken_router() -> APIRouter:
    router = APIRouter()

    @router.post("/api/windows/{college}")
    async def open_window(college: str, window: Window) -> Window:
        return window

    @router.get("/api/broken/{college}")
    async def broken(college: str) -> dict[str, str]:
        raise RuntimeError("a bug")

    return router


def test_a_real_run_finds_the_server_error_and_nothing_else(tmp_path: Path) -> None:
    app = create_app(
        service="fuzzed", settings=make_settings(), readiness_checks={}, routers=[broken_router()]
    )
    with serve(app) as (host, port):
        plan = RunPlan(
            "fuzzed",
            f"http://{host}:{port}",
            Persona("officer", "cs"),
            tmp_path,
            intensity=Intensity(max_examples=3),
        )
        result = run_one(plan)
    assert result.problem is None, result.problem
    assert result.exit_code == 1
    found = {(f.operation, f.check) for f in merge(result.findings)}
    assert found == {("GET /api/broken/{college}", "not_a_server_error")}
    assert plan.report_file.exists() and plan.config_file.exists()
