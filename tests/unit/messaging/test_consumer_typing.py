"""mypy ties each consumer handler to its event class: the mismatched pairings in
tests/typing/consumer_handlers.py are errors, and the right ones pass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mypy import api

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
SNIPPET = ROOT / "tests" / "typing" / "consumer_handlers.py"
MARK = re.compile(r"  # (refused|revealed): (.+)$")  # a trailing comment on a code line
REPORT = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<kind>error|note): (?P<text>.*)$")


def marked(kind: str) -> dict[int, str]:
    lines = SNIPPET.read_text().splitlines()
    found = {n: MARK.search(line) for n, line in enumerate(lines, start=1)}
    return {n: m.group(2).strip() for n, m in found.items() if m and m.group(1) == kind}


def mypy_on_snippet() -> tuple[dict[int, list[str]], dict[int, str]]:
    """mypy's errors and revealed types on the snippet, by line (with the project's config)."""
    stdout, stderr, _ = api.run(
        [str(SNIPPET), "--config-file", str(ROOT / "pyproject.toml"), "--no-error-summary"]
    )
    assert not stderr, stderr
    errors: dict[int, list[str]] = {}
    revealed: dict[int, str] = {}
    for line in stdout.splitlines():
        report = REPORT.match(line)
        if report is None or Path(report["path"]).resolve() != SNIPPET:
            continue  # a continuation line, or a finding in another module
        number, text = int(report["line"]), report["text"]
        if report["kind"] == "error":
            errors.setdefault(number, []).append(text)
        elif text.startswith("Revealed type is "):
            revealed[number] = text.removeprefix("Revealed type is ").strip('"')
    return errors, revealed


def test_mypy_refuses_each_mismatched_pairing_and_nothing_else() -> None:
    refused, expected_types = marked("refused"), marked("revealed")
    assert len(refused) >= 8 and expected_types  # the snippet still says what it checks

    errors, revealed = mypy_on_snippet()

    assert sorted(errors) == sorted(refused), (
        f"mypy errors on lines {sorted(errors)}, marked refused {sorted(refused)}:\n{errors}"
    )
    for number, reason in refused.items():
        assert any(reason in text for text in errors[number]), (number, reason, errors[number])
    assert sorted(revealed) == sorted(expected_types)
    for number, expected in expected_types.items():
        assert revealed[number].endswith(expected), (number, revealed[number])
