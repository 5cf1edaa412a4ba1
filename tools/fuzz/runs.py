"""One bounded schemathesis run per service and persona against a running stack.

Each run reads the service's own /openapi.json, sends generated requests (positive and
negative, the schema's examples, its boundary values, then random ones) with the
persona's bearer token, and checks every answer: no 5xx, a status and content type the
document lists, a body its schema accepts. The configuration is written beside the
report, so a run can be repeated by hand with the printed command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tools.demo.seed import COLLEGES, demo_token
from tools.fuzz.findings import Finding, read_findings

# The answers that must hold for any input (schemathesis check names).
CHECKS = (
    "not_a_server_error",
    "response_schema_conformance",
    "status_code_conformance",
    "content_type_conformance",
)
PHASES = ("examples", "coverage", "fuzzing")
# Random cases per operation in the fuzzing phase. The coverage phase adds its boundary
# cases (a few dozen per operation) whatever this is; 15 keeps a persona's run on the 58
# recruitment operations under a minute on 2 cores, the whole run about five minutes.
MAX_EXAMPLES = 15
SEED = 20261101  # fixed: CI sees the same inputs every run, and a finding reproduces
# One worker: schemathesis's workers are threads, and the CPython 3.11 here can raise
# "SystemError: AST constructor recursion depth mismatch" when threads build ASTs at once
# (python/cpython#106905; seen in this run with 2 workers). One is barely slower.
WORKERS = 1
REQUEST_TIMEOUT_S = 15.0
RUN_TIMEOUT_S = 900.0

# Inputs that broke the recruitment API before the kernel's field types and guards (an
# outside tester's findings), mixed into what schemathesis generates. An entry a field's
# schema allows goes into positive cases (a valid request that must not fail), one it
# forbids into negative cases (an invalid request that must be refused with a 4xx).
HOSTILE_STRINGS = ("\u0000", "a\u0000b", "\u001b[31m", "line\r\nbreak", "\u0085")
HOSTILE_DATE_TIMES = (
    "2026-11-01T00:00:00",  # no offset
    "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
    "9999-12-31T23:59:59-14:00",  # after 9999 in UTC
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
)
HOSTILE_DATES = ("0001-01-01", "9999-12-31")
# How often a generated value is replaced by a hostile one: any string now and then,
# dates and date-times (fewer, each a known failure) more often.
HOSTILE_STRING_PROBABILITY = 0.05
HOSTILE_DATE_PROBABILITY = 0.3


@dataclass(frozen=True)
class Intensity:
    """How hard each operation is tried in the fuzzing phase: random cases per operation,
    and how often a generated string or date is replaced by a hostile one. The examples
    and the coverage phase's boundary cases do not depend on it."""

    max_examples: int = MAX_EXAMPLES
    hostile_strings: float = HOSTILE_STRING_PROBABILITY
    hostile_dates: float = HOSTILE_DATE_PROBABILITY
    # The roles whose runs have the coverage phase (its boundary cases); None: every role.
    coverage_roles: frozenset[str] | None = None

    def covers(self, persona: Persona) -> bool:
        return self.coverage_roles is None or persona.role in self.coverage_roles


FULL = Intensity()
# The test suite's campaign (tests/e2e/test_fuzz.py, `--quick`): a third of the random
# cases, each five times as likely to carry a hostile string and hostile dates in half of
# them (the other half stays valid). The fuzzing phase was about half of a run (hypothesis
# building bodies); the examples and the coverage phase's boundary cases are all kept. Seen
# on the demo stack: the routes that met a hostile date are the same as with FULL; those
# that met a hostile string about three in four of FULL's.
#
# The coverage phase (about two thirds of a run) only in the college administrator's
# runs, who reaches every college route: for most routes a student's boundary cases
# meet the same 403 (measured on evaluation: a student's run 33 s with it, 18 s without).
# The student's runs keep the examples and the random cases, hostile ones included.
QUICK = Intensity(
    max_examples=5,
    hostile_strings=0.25,
    hostile_dates=0.5,
    coverage_roles=frozenset({"college_admin"}),
)
DICTIONARY_OF_FORMAT = {"date-time": "date-times", "date": "dates"}
FRESH_IDS = 400


def _resolve(schema: Any, document: Mapping[str, Any]) -> Any:
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 20:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        schema = document.get("components", {}).get("schemas", {}).get(name, {})
        seen += 1
    return schema


def _format_paths(
    schema: Any, document: Mapping[str, Any], path: str, depth: int = 0
) -> Iterator[tuple[str, str]]:
    """(binding path, format) of every date or date-time string inside `schema`."""
    schema = _resolve(schema, document)
    if not isinstance(schema, dict) or depth > 6:
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for alternative in schema.get(key, ()):
            yield from _format_paths(alternative, document, path, depth + 1)
    if schema.get("format") in DICTIONARY_OF_FORMAT and path:
        yield path, str(schema["format"])
    for name, item in (schema.get("properties") or {}).items():
        yield from _format_paths(item, document, f"{path}.{name}" if path else name, depth + 1)
    if "items" in schema and path:
        yield from _format_paths(schema["items"], document, f"{path}[*]", depth + 1)


def fresh_id_bindings(document: Mapping[str, Any]) -> list[str]:
    """Binding keys of the ids a client chooses when it creates something: a top-level
    body "id" with a pattern. Generated ones repeat (and schemathesis reuses ids it has
    seen), so after the first create every other would be a 409 that hides the rules."""
    keys: set[str] = set()
    for item in (document.get("paths") or {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            content = (operation.get("requestBody") or {}).get("content") or {}
            schema = _resolve((content.get("application/json") or {}).get("schema"), document)
            if not isinstance(schema, dict):
                continue
            candidate = _resolve((schema.get("properties") or {}).get("id"), document)
            if isinstance(candidate, dict) and candidate.get("pattern"):
                keys.add("body.id")
    return sorted(keys)


def fresh_ids(persona: Persona, seed: int, count: int = FRESH_IDS) -> list[str]:
    return [f"fz{seed % 10_000}-{persona.user}-{number}" for number in range(count)]


def date_bindings(document: Mapping[str, Any]) -> dict[str, str]:
    """Binding key ("body.opens_at", "query.since") -> dictionary, for every date and
    date-time an operation of `document` takes."""
    bindings: dict[str, str] = {}
    for item in (document.get("paths") or {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", ()):
                for _, found in _format_paths(parameter.get("schema"), document, "value"):
                    key = f"{parameter.get('in')}.{parameter.get('name')}"
                    bindings[key] = DICTIONARY_OF_FORMAT[found]
            content = (operation.get("requestBody") or {}).get("content") or {}
            schema = (content.get("application/json") or {}).get("schema")
            for path, found in _format_paths(schema, document, ""):
                bindings[f"body.{path}"] = DICTIONARY_OF_FORMAT[found]
    return dict(sorted(bindings.items()))


@dataclass(frozen=True)
class Persona:
    """Who sends the requests: one role, of one college (none: a university admin)."""

    role: str
    college: str | None

    @property
    def name(self) -> str:
        return f"{self.role}@{self.college}" if self.college else self.role

    @property
    def user(self) -> str:
        return f"fuzz-{self.role.replace('_', '-')}"

    def headers(self) -> dict[str, str]:
        return demo_token(self.user, self.role, self.college)


HOME_COLLEGE = "cs"
PERSONAS = (
    Persona("student", HOME_COLLEGE),
    Persona("officer", HOME_COLLEGE),
    Persona("college_admin", HOME_COLLEGE),
    Persona("university_admin", None),
)


def _toml_string(value: str) -> str:
    # A JSON string of ASCII and \\uXXXX escapes is a TOML basic string.
    return json.dumps(value, ensure_ascii=True)


def _values(values: Sequence[str]) -> str:
    return f"values = [{', '.join(_toml_string(value) for value in values)}]"


def schemathesis_config(
    persona: Persona,
    document: Mapping[str, Any],
    *,
    seed: int = SEED,
    intensity: Intensity = FULL,
    unexpected_methods: bool = True,
) -> str:
    """The schemathesis.toml of one persona's run on the service of `document`. Without
    `unexpected_methods`, the coverage phase sends no method a path does not declare: the
    router answers those 405 whatever the token, so one persona's run checks them."""
    lines = [
        "[dictionaries.fresh-ids]",
        _values(fresh_ids(persona, seed)),
        "# Written by tools.fuzz: known hostile inputs mixed into generated values.",
        "[dictionaries.hostile]",
        _values(HOSTILE_STRINGS),
        "[dictionaries.date-times]",
        _values(HOSTILE_DATE_TIMES),
        "[dictionaries.dates]",
        _values(HOSTILE_DATES),
        "[dictionaries.colleges]",
        _values(list(COLLEGES)),
        "",
        "[generation.dictionaries]",
        f'string = {{ dictionary = "hostile", probability = {intensity.hostile_strings} }}',
        "",
        "[parameters]",
    ]
    if persona.college is not None:
        # Everything a college-bound persona asks of another college is a 403: fuzzing
        # would never get past it. Its own college, always.
        lines.append(f'"path.college" = {_toml_string(persona.college)}')
    else:
        lines.append('"path.college" = { dictionary = "colleges", probability = 0.9 }')
    for key in fresh_id_bindings(document):
        lines.append(f'{_toml_string(key)} = {{ dictionary = "fresh-ids", probability = 0.9 }}')
    for key, dictionary in date_bindings(document).items():
        lines.append(
            f"{_toml_string(key)} = {{ dictionary = {_toml_string(dictionary)}, "
            f"probability = {intensity.hostile_dates} }}"
        )
    if not unexpected_methods:
        lines.extend(["", "[phases.coverage]", "unexpected-methods = []"])
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class RunPlan:
    service: str
    url: str
    persona: Persona
    directory: Path
    intensity: Intensity = FULL
    seed: int = SEED
    workers: int = WORKERS
    unexpected_methods: bool = True
    coverage: bool = True  # the coverage phase (boundary cases) in this run

    @property
    def phases(self) -> tuple[str, ...]:
        if self.coverage:
            return PHASES
        return tuple(phase for phase in PHASES if phase != "coverage")

    @property
    def label(self) -> str:
        return f"{self.service}-{self.persona.role}"

    @property
    def config_file(self) -> Path:
        return self.directory / f"{self.label}.toml"

    @property
    def report_file(self) -> Path:
        return self.directory / f"{self.label}.ndjson"

    @property
    def output_file(self) -> Path:
        return self.directory / f"{self.label}.out"

    def command(self, *, token_placeholder: bool = False) -> list[str]:
        authorization = self.persona.headers()["Authorization"]
        if token_placeholder:
            authorization = "Bearer $TOKEN"
        return [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(self.config_file),
            "run",
            f"{self.url}/openapi.json",
            "--checks",
            ",".join(CHECKS),
            "--phases",
            ",".join(self.phases),
            "--max-examples",
            str(self.intensity.max_examples),
            "--seed",
            str(self.seed),
            "--workers",
            str(self.workers),
            "--request-timeout",
            str(REQUEST_TIMEOUT_S),
            "--header",
            f"Authorization: {authorization}",
            "--generation-database",
            "none",
            "--report",
            "ndjson",
            "--report-ndjson-path",
            str(self.report_file),
            "--no-color",
        ]


@dataclass(frozen=True)
class RunResult:
    plan: RunPlan
    exit_code: int
    seconds: float
    findings: list[Finding]
    problem: str | None = None  # the run itself failed (schema unreadable, timeout...)


def openapi_document(url: str) -> dict[str, Any]:
    response = httpx.get(f"{url}/openapi.json", timeout=REQUEST_TIMEOUT_S)
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


def run_one(plan: RunPlan) -> RunResult:
    plan.directory.mkdir(parents=True, exist_ok=True)
    try:
        document = openapi_document(plan.url)
    except (httpx.HTTPError, ValueError) as error:
        return RunResult(plan, -1, 0.0, [], f"cannot read {plan.url}/openapi.json: {error!r}")
    config = schemathesis_config(
        plan.persona,
        document,
        seed=plan.seed,
        intensity=plan.intensity,
        unexpected_methods=plan.unexpected_methods,
    )
    plan.config_file.write_text(config, encoding="utf-8")
    plan.report_file.unlink(missing_ok=True)
    started = time.monotonic()
    problem = None
    with plan.output_file.open("wb") as output:
        try:
            completed = subprocess.run(
                plan.command(),
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=plan.directory,
                env={**os.environ, "NO_COLOR": "1"},
                timeout=RUN_TIMEOUT_S,
                check=False,
            )
            exit_code = completed.returncode
        except subprocess.TimeoutExpired:
            exit_code = -1
            problem = f"schemathesis did not finish within {RUN_TIMEOUT_S:g}s"
    findings = read_findings(plan.report_file, service=plan.service, persona=plan.persona.name)
    if problem is None and exit_code not in (0, 1):
        problem = f"schemathesis exited {exit_code}: {_tail(plan.output_file)}"
    if problem is None and exit_code == 1 and not findings:
        problem = f"schemathesis failed without a recorded finding: {_tail(plan.output_file)}"
    return RunResult(plan, exit_code, time.monotonic() - started, findings, problem)


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no output)"
    return "\n".join(text.splitlines()[-lines:])


def plan_runs(
    urls: Mapping[str, str],
    directory: Path,
    *,
    personas: Sequence[Persona] = PERSONAS,
    intensity: Intensity = FULL,
    seed: int = SEED,
) -> list[RunPlan]:
    """A run per service and persona; of each service, the first persona whose runs have
    the coverage phase also sends the methods its paths do not declare (the same 405 for
    every token). When the intensity gives the coverage phase to none of the personas
    asked for, the first of them has it: no campaign goes without boundary cases."""
    covering = [p for p in personas if intensity.covers(p)] or list(personas[:1])
    return [
        RunPlan(
            service,
            url,
            persona,
            directory,
            intensity=intensity,
            seed=seed,
            unexpected_methods=bool(covering) and persona == covering[0],
            coverage=persona in covering,
        )
        for service, url in urls.items()
        for persona in personas
    ]
