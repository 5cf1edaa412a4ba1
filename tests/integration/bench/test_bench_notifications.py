"""`campusflow bench notifications --quick` runs on the real stack (PostgreSQL, Redis, an
SMTP sink and the service's own dispatcher and timer loop as processes) and ends with one
JSON line holding every figure the issue names. The speed figures are not judged here;
what the bench counts is: every message reached the sink and the inbox, every reminder
fired, the SIGKILL lost nothing, the inbox has no duplicate, and the sink's extra copies
stay within SMTP's documented bound (one per delivery in flight at the kill, each with its
delivery's Message-ID)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tools.bench.notifications import GOALS, KEYS
from tools.cli import bench
from tools.stack import StackEndpoints

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


def test_a_quick_run_ends_with_one_json_line_of_every_figure(
    stack: StackEndpoints,
    service_dsns: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The session's stack stands for "the stack running in --state-dir"; nothing of the
    # bench itself is replaced.
    monkeypatch.setattr(bench, "running_endpoints", lambda directory: stack)
    result = CliRunner().invoke(
        bench.app,
        ["notifications", "--quick", "--state-dir", str(tmp_path)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) > 5, result.stdout  # progress first
    figures = json.loads(lines[-1])
    assert list(figures)[: len(KEYS)] == list(KEYS)
    for key in KEYS:
        assert isinstance(figures[key], int | float), (key, figures[key])
    assert figures["quick"] is True and figures["stack"] == "existing"
    assert set(figures["goals_met"]) == set(GOALS)

    assert figures["throughput_emails_at_sink"] == figures["throughput_messages"]
    assert figures["notifications_per_s"] > 0 and figures["inapp_p95_ms"] > 0
    assert figures["reminders_fired"] == figures["reminders"] == figures["reminders_notices"]
    assert 0 < figures["reminders_on_time_ratio"] <= 1
    assert figures["crash_emails_missing"] == 0
    assert figures["crash_duplicates_in_inbox"] == 0
    assert figures["crash_duplicates_at_sink"] <= figures["crash_in_flight_at_kill"]
    assert figures["crash_duplicates_after_message_id_dedupe"] == 0
    assert figures["duplicates_after_restart"] == (
        figures["crash_duplicates_at_sink"] + figures["crash_duplicates_in_inbox"]
    )
