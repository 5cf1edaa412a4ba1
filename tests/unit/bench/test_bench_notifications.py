"""The notifications bench's own judging: goals read the figures by the issue's
thresholds, percentiles, the sink's copies counted per delivery with their Message-IDs,
and a worker refusing arguments it does not know."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.bench.notifications import FULL, GOALS, KEYS, QUICK, goals_met
from tools.bench.notifications_phases import percentile, sink_copies
from tools.bench.notifications_worker import main as worker_main

pytestmark = pytest.mark.unit


def test_goals_are_met_or_missed_by_the_issue_thresholds() -> None:
    assert set(GOALS) == set(KEYS)
    good = {
        "notifications_per_s": 200.0,
        "inapp_p95_ms": 4999.9,
        "reminders_on_time_ratio": 0.995,
        "duplicates_after_restart": 0,
    }
    assert all(goals_met(good).values())
    bad = {
        "notifications_per_s": 199.9,
        "inapp_p95_ms": 5000.0,
        "reminders_on_time_ratio": 0.9949,
        "duplicates_after_restart": 1,
    }
    assert not any(goals_met(bad).values())
    assert goals_met({}) == dict.fromkeys(KEYS, False)


def test_the_full_run_schedules_the_issues_ten_thousand_reminders() -> None:
    assert FULL.reminders == 10_000
    assert QUICK.reminders < FULL.reminders and QUICK.events < FULL.events


def test_percentiles() -> None:
    assert percentile([], 0.95) == 0.0
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.95) == 96.0
    assert percentile(values, 0.5) == 51.0
    assert percentile([7.0], 0.95) == 7.0


def _eml(delivery: str, message_id: str) -> bytes:
    return (
        "From: noreply@campusflow.local\r\nTo: p@bench.campusflow.local\r\n"
        f"Subject: =?utf-8?b?5o6S54+t6YCa55+l?=\r\nMessage-ID: {message_id}\r\n"
        f"X-Campusflow-Delivery-Id: {delivery}\r\n\r\nbody\r\n"
    ).encode()


def test_the_sinks_copies_are_counted_per_delivery_with_their_message_ids(
    tmp_path: Path,
) -> None:
    (tmp_path / "1.eml").write_bytes(_eml("d-1", "<a@x>"))
    (tmp_path / "2.eml").write_bytes(_eml("d-1", "<a@x>"))  # a second copy, same id
    (tmp_path / "3.eml").write_bytes(_eml("d-2", "<b@x>"))
    (tmp_path / "4.eml").write_bytes(b"Subject: not ours\r\n\r\n")
    (tmp_path / "note.txt").write_bytes(_eml("d-3", "<c@x>"))
    copies = sink_copies(tmp_path)
    assert copies == {"d-1": ["<a@x>", "<a@x>"], "d-2": ["<b@x>"]}
    assert sink_copies(tmp_path / "absent") == {}


def test_a_worker_refuses_arguments_it_does_not_know() -> None:
    for argv in ([], ["send"], ["timers", "dsn"], ["dispatch", "dsn", "schema"]):
        with pytest.raises(SystemExit):
            worker_main(argv)
