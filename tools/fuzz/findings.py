"""What a schemathesis run found, read from its NDJSON event report, in words a developer
can act on: the route, the input, the check it broke, and for a server error the
exception the service logged (matched by the X-Request-ID of the response)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

# How much of an input or a response a finding quotes: enough to reproduce, not a dump.
QUOTE_CHARS = 800


@dataclass(frozen=True)
class Finding:
    """One broken check on one operation, with the first input that broke it."""

    service: str
    persona: str
    operation: str  # "POST /api/recruitment/colleges/{college}/campaigns"
    check: str  # "not_a_server_error", "response_schema_conformance", ...
    title: str  # schemathesis's words: "Server error", "Response violates schema"
    message: str
    request: str  # method, URL and body as sent
    status: int | None
    response: str
    request_id: str | None = None
    error: str | None = None  # the exception the service logged for this request
    count: int = 1
    personas: tuple[str, ...] = field(default=())

    @property
    def key(self) -> tuple[str, str, str, str]:
        # One line per (route, broken check, cause): a hundred NULs in one route are one bug.
        cause = (self.error or self.message or self.title).splitlines()
        return (self.service, self.operation, self.check, cause[0][:120] if cause else "")

    @property
    def is_server_error(self) -> bool:
        return self.check in ("not_a_server_error", "no_response") or (self.status or 0) >= 500


def _decode(payload: Any) -> str:
    if payload is None:
        return ""
    if isinstance(payload, dict) and "$base64" in payload:
        raw = base64.b64decode(payload["$base64"])
        return raw.decode("utf-8", errors="backslashreplace")
    if isinstance(payload, str):
        return payload
    return json.dumps(payload, ensure_ascii=True)


def _quote(text: str, limit: int = QUOTE_CHARS) -> str:
    # ASCII-escaped so a NUL or an escape code in an input cannot garble a terminal or CI log.
    text = text.encode("ascii", errors="backslashreplace").decode("ascii")
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return str(value[0] if isinstance(value, list) and value else value)
    return None


def _request_line(interaction: Mapping[str, Any] | None, case: Mapping[str, Any]) -> str:
    if interaction:
        request = interaction.get("request", {})
        line = f"{request.get('method', case.get('method', '?'))} {request.get('uri', '?')}"
        body = _decode(request.get("body"))
    else:
        line = f"{case.get('method', '?')} {case.get('path', '?')}"
        body = json.dumps(case["body"], ensure_ascii=True) if "body" in case else ""
        for part in ("path_parameters", "query"):
            if case.get(part):
                line += f" {part}={json.dumps(case[part], ensure_ascii=True)}"
    return _quote(f"{line} {body}".strip())


def _scenario_findings(
    scenario: Mapping[str, Any], *, service: str, persona: str
) -> Iterator[Finding]:
    recorder = scenario.get("recorder") or {}
    cases = recorder.get("cases") or {}
    interactions = recorder.get("interactions") or {}
    for case_id, checks in (recorder.get("checks") or {}).items():
        for check in checks:
            if check.get("status") != "failure":
                continue
            failure = (check.get("failure_info") or {}).get("failure") or {}
            case = (cases.get(case_id) or {}).get("value") or {}
            interaction = interactions.get(case_id)
            response = (interaction or {}).get("response") or {}
            yield Finding(
                service=service,
                persona=persona,
                operation=str(failure.get("operation") or recorder.get("label") or "?"),
                check=str(check.get("name", "?")),
                title=str(failure.get("title", "")),
                message=_quote(str(failure.get("message") or "")),
                request=_request_line(interaction, case),
                status=response.get("status_code"),
                response=_quote(_decode(response.get("content")), 300),
                request_id=_header(response.get("headers") or {}, "x-request-id"),
            )


# Exceptions that mean the service gave no answer (reset, closed, timed out), by name:
# requests', urllib3's and the standard library's.
_NO_ANSWER = ("Connection", "Timeout", "RemoteDisconnected", "Protocol", "ChunkedEncoding")


def _error_finding(event: Mapping[str, Any], *, service: str, persona: str) -> Finding:
    # A request that got no answer at all (a reset connection, a timeout) is the worst
    # kind of server error; schemathesis reports it as an error, not as a failed check.
    # Any other error is the fuzzer's own: the operation was not (fully) tested.
    error = event.get("value") or event.get("info") or {}
    kind = str(error.get("type") or error.get("title") or "Error")
    message = str(error.get("message") or "")
    label = str(event.get("label") or "?")
    no_answer = any(marker in kind for marker in _NO_ANSWER)
    return Finding(
        service=service,
        persona=persona,
        operation=label,
        check="no_response" if no_answer else "fuzzer_error",
        title=kind,
        message=_quote(message),
        request=label,
        status=None,
        response="",
    )


def read_findings(report: Path, *, service: str, persona: str) -> list[Finding]:
    """Every failed check and failed request recorded in a schemathesis NDJSON report."""
    found: list[Finding] = []
    if not report.exists():
        return found
    with report.open(encoding="utf-8") as events:
        for line in events:
            line = line.strip()
            if not line:
                continue
            event = json.loads(line)
            (kind, body), *_ = event.items()
            if kind == "ScenarioFinished":
                found.extend(_scenario_findings(body, service=service, persona=persona))
            elif kind in ("NonFatalError", "FatalError"):
                found.append(_error_finding(body, service=service, persona=persona))
    return found


def logged_errors(log: Path) -> dict[str, str]:
    """request id -> "ExceptionType: message" of every unhandled exception in a service log."""
    errors: dict[str, str] = {}
    if not log.exists():
        return errors
    with log.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if '"unhandled_exception"' not in line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            request_id = entry.get("request_id")
            exception = str(entry.get("exception") or "")
            if request_id and exception:
                last = [part for part in exception.strip().splitlines() if part.strip()]
                errors[str(request_id)] = _quote(last[-1].strip() if last else exception, 300)
    return errors


def with_logged_errors(findings: Iterable[Finding], errors: Mapping[str, str]) -> list[Finding]:
    return [
        replace(finding, error=errors.get(finding.request_id or "", finding.error))
        for finding in findings
    ]


def merge(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per (service, route, check, cause), counting repeats and personas."""
    merged: dict[tuple[str, str, str, str], Finding] = {}
    for finding in findings:
        if finding.check == "status_code_conformance" and (finding.status or 0) >= 500:
            continue  # a 5xx is a server error first: said once, by not_a_server_error
        seen = merged.get(finding.key)
        if seen is None:
            merged[finding.key] = replace(finding, personas=(finding.persona,))
            continue
        personas = seen.personas
        if finding.persona not in personas:
            personas = (*personas, finding.persona)
        merged[finding.key] = replace(seen, count=seen.count + 1, personas=personas)
    return sorted(
        merged.values(), key=lambda f: (not f.is_server_error, f.service, f.operation, f.check)
    )


def describe(findings: list[Finding]) -> str:
    """The findings as a numbered list: what CI prints when the boundary does not hold."""
    if not findings:
        return "no findings: 0 server errors, 0 responses that break their own schema"
    server = sum(1 for f in findings if f.is_server_error)
    lines = [
        f"{len(findings)} distinct findings ({server} server errors, "
        f"{len(findings) - server} other broken checks):"
    ]
    for number, finding in enumerate(findings, 1):
        lines.append("")
        lines.append(
            f"{number}. [{finding.service}] {finding.operation} -- {finding.check}"
            f" ({finding.title}); seen {finding.count}x as {', '.join(finding.personas)}"
        )
        lines.append(f"   input:    {_quote(finding.request)}")
        if finding.status is not None:
            lines.append(f"   answer:   {finding.status} {_quote(finding.response)}")
        if finding.error:
            lines.append(f"   error:    {_quote(finding.error)}")
        if finding.message:
            lines.append(f"   detail:   {_quote(finding.message)}")
        if finding.request_id:
            lines.append(f"   request:  X-Request-ID {finding.request_id} (in the service log)")
    return "\n".join(lines)
