"""A schemathesis report read as findings a developer can act on."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from tools.fuzz.findings import (
    Finding,
    describe,
    logged_errors,
    merge,
    read_findings,
    with_logged_errors,
)

pytestmark = pytest.mark.unit

ROUTE = "POST /api/recruitment/colleges/{college}/campaigns"


def b64(text: str) -> dict[str, str]:
    return {"$base64": base64.b64encode(text.encode()).decode()}


def scenario(check: str, status: int, request_id: str, body: str) -> dict[str, Any]:
    return {
        "ScenarioFinished": {
            "phase": "fuzzing",
            "status": "failure",
            "recorder": {
                "label": ROUTE,
                "cases": {
                    "c1": {
                        "value": {
                            "method": "POST",
                            "path": "/api/recruitment/colleges/{college}/campaigns",
                            "body": json.loads(body),
                        }
                    }
                },
                "checks": {
                    "c1": [
                        {"name": "content_type_conformance", "status": "success"},
                        {
                            "name": check,
                            "status": "failure",
                            "failure_info": {
                                "failure": {
                                    "operation": ROUTE,
                                    "title": "Server error",
                                    "message": "",
                                }
                            },
                        },
                    ]
                },
                "interactions": {
                    "c1": {
                        "request": {
                            "method": "POST",
                            "uri": "http://127.0.0.1:1/api/recruitment/colleges/cs/campaigns",
                            "body": b64(body),
                        },
                        "response": {
                            "status_code": status,
                            "headers": {"x-request-id": [request_id]},
                            "content": b64('{"status": 500}'),
                        },
                    }
                },
            },
        }
    }


def write_report(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(event) + "\n" for event in events))
    return path


def test_a_failed_check_becomes_a_finding_with_its_input(tmp_path: Path) -> None:
    body = '{"opens_at": "2026-11-01T00:00:00", "title": "a\\u0000b"}'
    report = write_report(
        tmp_path / "r.ndjson",
        [{"SuiteStarted": {}}, scenario("not_a_server_error", 500, "rid-1", body)],
    )
    [finding] = read_findings(report, service="recruitment", persona="officer@cs")
    assert finding.operation == ROUTE
    assert finding.check == "not_a_server_error"
    assert finding.status == 500
    assert finding.request_id == "rid-1"
    assert finding.request.startswith("POST http://127.0.0.1:1/api/recruitment/colleges/cs/")
    assert "2026-11-01T00:00:00" in finding.request
    assert finding.is_server_error


def test_a_request_without_an_answer_is_a_server_error(tmp_path: Path) -> None:
    event = {
        "NonFatalError": {
            "label": ROUTE,
            "phase": "fuzzing",
            "value": {"type": "requests.exceptions.ConnectionError", "message": "reset by peer"},
        }
    }
    report = write_report(tmp_path / "r.ndjson", [event])
    [finding] = read_findings(report, service="recruitment", persona="student@cs")
    assert (finding.check, finding.operation, finding.message) == (
        "no_response",
        ROUTE,
        "reset by peer",
    )
    assert finding.is_server_error


def test_the_fuzzers_own_error_is_told_apart(tmp_path: Path) -> None:
    event = {
        "NonFatalError": {
            "label": ROUTE,
            "value": {"type": "SystemError", "message": "AST constructor recursion depth"},
        }
    }
    report = write_report(tmp_path / "r.ndjson", [event])
    [finding] = read_findings(report, service="recruitment", persona="student@cs")
    assert finding.check == "fuzzer_error"
    assert finding.title == "SystemError"
    assert not finding.is_server_error


def test_the_service_log_names_the_exception(tmp_path: Path) -> None:
    log = tmp_path / "recruitment.log"
    log.write_text(
        json.dumps({"event": "http_request", "request_id": "rid-1"})
        + "\nnot json at all\n"
        + json.dumps(
            {
                "event": "unhandled_exception",
                "request_id": "rid-1",
                "exception": "Traceback (most recent call last):\n  File x\n"
                "TypeError: can't compare offset-naive and offset-aware datetimes\n",
            }
        )
        + "\n"
    )
    errors = logged_errors(log)
    assert errors == {"rid-1": "TypeError: can't compare offset-naive and offset-aware datetimes"}
    finding = Finding("s", "p", ROUTE, "not_a_server_error", "t", "", "POST x", 500, "", "rid-1")
    [named] = with_logged_errors([finding], errors)
    assert named.error == errors["rid-1"]


def finding(**changes: Any) -> Finding:
    values: dict[str, Any] = {
        "service": "recruitment",
        "persona": "officer@cs",
        "operation": ROUTE,
        "check": "not_a_server_error",
        "title": "Server error",
        "message": "",
        "request": "POST /x",
        "status": 500,
        "response": "",
        "error": "TypeError: naive",
    }
    values.update(changes)
    return Finding(**values)


def test_one_cause_on_one_route_is_one_finding_counting_personas() -> None:
    merged = merge(
        [
            finding(),
            finding(persona="student@cs", request="POST /y"),
            finding(error="OverflowError: date value out of range"),
            finding(check="status_code_conformance"),  # the same 500, said again
            finding(check="response_schema_conformance", status=200, error=None),
        ]
    )
    assert [(f.check, f.count, f.personas, f.error) for f in merged] == [
        ("not_a_server_error", 2, ("officer@cs", "student@cs"), "TypeError: naive"),
        ("not_a_server_error", 1, ("officer@cs",), "OverflowError: date value out of range"),
        ("response_schema_conformance", 1, ("officer@cs",), None),
    ]


def test_the_description_lists_route_input_and_error_in_plain_ascii() -> None:
    text = describe(merge([finding(request='POST /x {"t": "a\x00b\x1b[31m"}')]))
    assert "1 distinct findings (1 server errors" in text
    assert ROUTE in text
    assert "TypeError: naive" in text
    assert "\x00" not in text and "\x1b" not in text
    assert "\\x00" in text


def test_no_findings_say_so() -> None:
    assert describe([]).startswith("no findings: 0 server errors")
