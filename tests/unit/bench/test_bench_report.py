"""The arithmetic behind `campusflow bench backbone`'s figures, and the shape of its JSON line."""

from __future__ import annotations

import json

import pytest

from tools.bench.report import (
    GOALS,
    HEADLINE_KEYS,
    BackboneFigures,
    LatencyFigures,
    goal_results,
    json_line,
    per_second,
    percentile,
    summary,
)

pytestmark = pytest.mark.unit


def figures(*, raw: float = 10_000, e2e: float = 3_000, p99: float = 120.0) -> BackboneFigures:
    return BackboneFigures(
        raw_events_per_s=raw,
        e2e_events_per_s=e2e,
        latency=LatencyFigures(p50_ms=40.0, p99_ms=p99, max_ms=p99 + 5, mean_ms=45.0, samples=5000),
        events=50_000,
        rate_target=500.0,
        extra={"relay_idle_sleep_s": 0.05},
    )


def test_a_percentile_is_a_value_some_sample_really_had() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([3.5, 1.25, 2.0], 50) == 2.0  # order of the samples does not matter


def test_p99_of_a_small_sample_is_its_worst_value() -> None:
    assert percentile([5.0, 1.0, 9.0, 7.0], 99) == 9.0
    assert percentile([42.0], 1) == 42.0


def test_p99_sees_the_slowest_percent() -> None:
    # 1,000 fast events and 20 slow ones (just under 2%): the slow ones own the p99.
    values = [10.0] * 1000 + [900.0] * 20
    assert percentile(values, 50) == 10.0
    assert percentile(values, 99) == 900.0


@pytest.mark.parametrize("p", [0, -1, 100.5])
def test_a_percentile_outside_0_to_100_is_refused(p: float) -> None:
    with pytest.raises(ValueError, match="percentile"):
        percentile([1.0], p)


def test_no_samples_no_percentile() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_latency_figures_summarise_the_samples() -> None:
    latency = LatencyFigures.of([30.0, 10.0, 20.0, 40.0])
    assert (latency.p50_ms, latency.p99_ms, latency.max_ms) == (20.0, 40.0, 40.0)
    assert latency.mean_ms == 25.0
    assert latency.samples == 4


def test_a_rate_needs_a_positive_duration() -> None:
    assert per_second(50_000, 25.0) == 2_000.0
    with pytest.raises(ValueError):
        per_second(10, 0.0)


def test_the_ratio_is_end_to_end_over_raw() -> None:
    assert figures(raw=10_000, e2e=3_000).ratio == pytest.approx(0.3)
    assert figures(raw=0, e2e=3_000).ratio == 0.0


def test_the_goals_are_the_issues() -> None:
    assert goal_results(figures(raw=10_000, e2e=3_000, p99=120.0)) == {
        "e2e_events_per_s": True,
        "ratio": True,
        "p99_ms": True,
    }
    assert goal_results(figures(raw=10_000, e2e=1_999, p99=250.0)) == {
        "e2e_events_per_s": False,
        "ratio": False,
        "p99_ms": False,  # p99 must stay strictly below 250 ms
    }
    assert [goal.describe() for goal in GOALS] == [">= 2,000 events/s", ">= 30%", "< 250 ms"]


def test_the_json_line_is_one_object_on_one_line_headline_first() -> None:
    line = json_line(summary(figures(), machine_info={"cpus": 2, "cpu_model": "x\ny"}))
    assert "\n" not in line
    data = json.loads(line)
    assert tuple(data)[: len(HEADLINE_KEYS)] == HEADLINE_KEYS
    assert data["raw_events_per_s"] == 10_000.0
    assert data["e2e_events_per_s"] == 3_000.0
    assert data["ratio"] == 0.3
    assert (data["p50_ms"], data["p99_ms"]) == (40.0, 120.0)
    assert data["events"] == 50_000
    assert data["rate_target"] == 500.0
    assert data["relay_idle_sleep_s"] == 0.05
    assert data["goals_met"] == {"e2e_events_per_s": True, "ratio": True, "p99_ms": True}
    assert data["machine"] == {"cpus": 2, "cpu_model": "x\ny"}
    assert all(isinstance(data[key], float) for key in HEADLINE_KEYS)
