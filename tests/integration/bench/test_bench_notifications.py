"""`campusflow bench notifications --quick` runs on the real stack (PostgreSQL, Redis, an
SMTP sink and the service's own dispatcher and timer loop as processes) and ends with one
JSON line holding every figure the issue names. The speed figures are not judged here;
what the bench counts is: every message reached the sink and the inbox, every reminder
fired, a SIGTERMed dispatcher (a restart) sends nothing twice, a SIGKILLed one (a crash)
loses nothing, the inbox has no duplicate, handling every event again tells nobody anew,
and the sink's extra copies after the crash stay within SMTP's documented bound (one per
delivery in flight at the kill, each with its delivery's Message-ID)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.notifications.service.dispatch import SEND_CONCURRENCY
from tools.bench import notifications
from tools.bench.notifications import GOALS, KEYS
from tools.cli import bench
from tools.stack import StackEndpoints

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

# Half the quick run: every phase and figure, a backlog of 100 emails still far more than
# the sends under way at the kill (SEND_CONCURRENCY), reminders due over 5 s still polled
# many times.
SMALLER = replace(
    notifications.QUICK, events=30, crash_messages=100, reminders=100, reminder_window_s=5.0
)


def test_a_quick_run_ends_with_one_json_line_of_every_figure(
    stack: StackEndpoints,
    service_dsns: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The session's stack stands for "the stack running in --state-dir"; nothing of the
    # bench itself is replaced but the size of its quick run (every phase, half of it).
    monkeypatch.setattr(bench, "running_endpoints", lambda directory: stack)
    monkeypatch.setattr(notifications, "QUICK", SMALLER)
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
    assert figures["reminders"] == SMALLER.reminders  # the size asked for was run

    assert figures["throughput_emails_at_sink"] == figures["throughput_messages"]
    assert figures["notifications_per_s"] > 0 and figures["inapp_p95_ms"] > 0
    assert figures["reminders_fired"] == figures["reminders"] == figures["reminders_notices"]
    assert 0 < figures["reminders_on_time_ratio"] <= 1
    # A restart (SIGTERM): the dispatcher stopped by itself, nothing lost, nothing twice,
    # and handling every event again told nobody anew.
    assert figures["restart_exit_code"] == 0
    assert figures["restart_claimed_at_stop"] == 0  # recorded or given back
    assert figures["restart_emails_missing"] == 0
    assert figures["restart_redelivery_new_rows"] == 0
    assert figures["duplicates_after_restart"] == 0
    # A crash (SIGKILL): nothing lost, no second notice; the sink's extra copies stay within
    # SMTP's documented bound: one per send under way at the kill.
    assert figures["crash_exit_code"] == -9
    assert figures["crash_emails_missing"] == 0
    assert figures["crash_duplicates_in_inbox"] == 0
    assert figures["crash_redelivery_new_rows"] == 0
    assert figures["crash_duplicates_at_sink"] <= SEND_CONCURRENCY
    assert figures["crash_duplicates_after_message_id_dedupe"] == 0
    assert figures["duplicates_after_crash"] == figures["crash_duplicates_at_sink"]
