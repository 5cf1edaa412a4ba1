"""The figures of a backbone run: percentiles, the issue's goals, the one-line JSON summary.

Pure: no clock, no I/O (except `machine()`, which reads what the host is), so
the arithmetic that a reader of the figures relies on is unit-tested.
"""

from __future__ import annotations

import json
import math
import os
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The keys every summary starts with, in this order (the last stdout line of the command).
HEADLINE_KEYS = ("raw_events_per_s", "e2e_events_per_s", "ratio", "p50_ms", "p99_ms")


@dataclass(frozen=True)
class Goal:
    """A target from the issue. A miss is reported, never an error."""

    key: str
    label: str
    threshold: float
    at_least: bool  # True: the figure must reach the threshold; False: stay below it
    unit: str = ""

    def met(self, value: float) -> bool:
        return value >= self.threshold if self.at_least else value < self.threshold

    def describe(self) -> str:
        sign = ">=" if self.at_least else "<"
        if self.unit == "%":
            return f"{sign} {self.threshold:.0%}"
        return f"{sign} {self.threshold:,.0f} {self.unit}".rstrip()


GOALS: tuple[Goal, ...] = (
    Goal("e2e_events_per_s", "end-to-end throughput", 2_000, at_least=True, unit="events/s"),
    Goal("ratio", "end to end / raw Kafka", 0.30, at_least=True, unit="%"),
    Goal("p99_ms", "p99 latency at the fixed rate", 250, at_least=False, unit="ms"),
)


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile: the smallest value with at least p% of values at or below it.

    Never interpolates, so p99 is a latency some event really had.
    """
    if not values:
        raise ValueError("no values to take a percentile of")
    if not 0 < p <= 100:
        raise ValueError(f"percentile must be in (0, 100], not {p}")
    ordered = sorted(values)
    rank = math.ceil(p / 100 * len(ordered))
    return float(ordered[max(rank, 1) - 1])


def per_second(count: int, seconds: float) -> float:
    if seconds <= 0:
        raise ValueError(f"a rate needs a positive duration, not {seconds}")
    return count / seconds


@dataclass(frozen=True)
class LatencyFigures:
    p50_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    samples: int

    @classmethod
    def of(cls, latencies_ms: Sequence[float]) -> LatencyFigures:
        return cls(
            p50_ms=percentile(latencies_ms, 50),
            p99_ms=percentile(latencies_ms, 99),
            max_ms=float(max(latencies_ms)),
            mean_ms=sum(latencies_ms) / len(latencies_ms),
            samples=len(latencies_ms),
        )


@dataclass(frozen=True)
class BackboneFigures:
    raw_events_per_s: float
    e2e_events_per_s: float
    latency: LatencyFigures
    events: int
    rate_target: float
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.e2e_events_per_s / self.raw_events_per_s if self.raw_events_per_s else 0.0


def goal_results(figures: BackboneFigures) -> dict[str, bool]:
    headline = _headline(figures)
    return {goal.key: goal.met(headline[goal.key]) for goal in GOALS}


def summary(figures: BackboneFigures, *, machine_info: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON object of the run: the headline keys first, then the context to read them by."""
    return {
        **_headline(figures),
        "latency_max_ms": round(figures.latency.max_ms, 2),
        "latency_mean_ms": round(figures.latency.mean_ms, 2),
        "latency_samples": figures.latency.samples,
        "events": figures.events,
        "rate_target": figures.rate_target,
        **figures.extra,
        "goals_met": goal_results(figures),
        "machine": dict(machine_info),
    }


def json_line(data: Mapping[str, Any]) -> str:
    """One line, whatever the values hold (json.dumps escapes newlines inside strings)."""
    return json.dumps(data, separators=(", ", ": "), ensure_ascii=True, allow_nan=False)


def _headline(figures: BackboneFigures) -> dict[str, float]:
    return {
        "raw_events_per_s": round(float(figures.raw_events_per_s), 1),
        "e2e_events_per_s": round(float(figures.e2e_events_per_s), 1),
        "ratio": round(float(figures.ratio), 3),
        "p50_ms": round(float(figures.latency.p50_ms), 2),
        "p99_ms": round(float(figures.latency.p99_ms), 2),
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on: they mean little without it."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model or platform.processor(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }
