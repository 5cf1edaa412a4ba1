"""The calibration benchmark (`campusflow bench evaluation`): `calibration_gain_points`.

The review round of `services.evaluation.domain.calibration_simulation` (true qualities,
lenient / severe / neutral reviewers with injected bias, noisy scores, a fair assignment)
at the assignment bench's size, 5,000 reports x 200 reviewers x 2 reviews, once per seed
0..9 (the seeds are fixed in advance, never picked by their results). The figure is the
top-10% agreement with the true ranking, calibrated minus raw mean, in percentage points,
averaged over the seeds; the per-seed figures are reported beside it.

The figure measures the simulated world as much as the estimate, so the same rounds are
also run in worlds whose reviewer bias and review noise are scaled (`calibration_worlds`,
WORLD_SCALES): the gain of the estimate and the ceiling of an oracle that knows the true
biases, side by side. The figure itself is always the unscaled world's, `WORLD`.

An award run does not stop at the first ranking: a report whose interval reaches a
cut-off gets one more reviewer before the cut is final (`calibration_second_looks`, the
same rounds carried on by `simulate_second_looks`). Shown beside the figure, never in
place of it: the calibrated top 10% after the second looks against the raw mean of the
same reviews (the strict comparison) and against the raw mean before them (a raw-mean
process, which has no interval to send a report for a second look).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from services.evaluation.domain.calibration_simulation import (
    WORLD,
    simulate_calibration,
    simulate_second_looks,
)

GOAL_POINTS = 10.0


@dataclass(frozen=True)
class Round:
    reports: int
    reviewers: int
    reviews_per_report: int
    seeds: tuple[int, ...]


FULL = Round(reports=5000, reviewers=200, reviews_per_report=2, seeds=tuple(range(10)))
QUICK = Round(reports=1000, reviewers=60, reviews_per_report=2, seeds=(0, 1, 2))
# (bias scale, noise scale) of the worlds shown beside the figure; (1, 1) is WORLD itself
WORLD_SCALES = ((1.0, 0.5), (1.0, 1.5), (1.5, 0.5), (1.5, 1.0), (1.5, 1.5), (2.0, 1.0))


def bench_calibration(console: Console, quick: bool) -> dict[str, Any]:
    size = QUICK if quick else FULL
    console.print(
        f"calibration: {size.reports:,} reports x {size.reviewers} reviewers x "
        f"{size.reviews_per_report} reviews, injected reviewer bias, seeds "
        f"{size.seeds[0]}-{size.seeds[-1]}"
    )
    gains: list[float] = []
    ceilings: list[float] = []
    started = time.perf_counter()
    for seed in size.seeds:
        outcome = simulate_calibration(seed, size.reports, size.reviewers, size.reviews_per_report)
        gains.append(round(outcome.gain, 2))
        ceilings.append(round(outcome.oracle_gain, 2))
        console.print(
            f"calibration: seed {seed}: {outcome.gain:+.1f} points "
            f"(oracle knowing the true biases: {outcome.oracle_gain:+.1f})"
        )
    mean = statistics.mean(gains)
    ceiling = statistics.mean(ceilings)
    verdict = "PASS" if mean >= GOAL_POINTS else "MISS"
    console.print(
        f"calibration: mean gain {mean:+.2f} points (min {min(gains):+.1f}, max "
        f"{max(gains):+.1f}) in {time.perf_counter() - started:.1f} s; goal >= "
        f"{GOAL_POINTS:g}: {verdict}; the oracle's ceiling on the same rounds {ceiling:+.2f}"
    )
    return {
        "calibration_gain_points": round(mean, 2),
        "calibration_gain_per_seed": gains,
        "calibration_oracle_points": round(ceiling, 2),
        "calibration_round": {
            "reports": size.reports,
            "reviewers": size.reviewers,
            "reviews_per_report": size.reviews_per_report,
            "seeds": list(size.seeds),
        },
        "calibration_worlds": _other_worlds(console, size),
        "calibration_second_looks": _second_looks(console, size),
    }


def _second_looks(console: Console, size: Round) -> dict[str, float]:
    """The same rounds carried on through the award run's second looks."""
    outcomes = [
        simulate_second_looks(seed, size.reports, size.reviewers, size.reviews_per_report)
        for seed in size.seeds
    ]
    figures = {
        "second_looks": statistics.mean(o.second_looks for o in outcomes),
        "gain_points": statistics.mean(o.gain for o in outcomes),
        "oracle_points": statistics.mean(o.oracle_gain for o in outcomes),
        "gain_over_first_raw_points": statistics.mean(o.gain_over_first_raw for o in outcomes),
    }
    console.print(
        f"calibration: after the award run's second looks ({figures['second_looks']:.0f} "
        f"reports reviewed once more): {figures['gain_points']:+.2f} points over the raw mean "
        f"of the same reviews (the oracle's {figures['oracle_points']:+.2f}), "
        f"{figures['gain_over_first_raw_points']:+.2f} over the raw mean before them"
    )
    return {name: round(value, 2) for name, value in figures.items()}


def _other_worlds(console: Console, size: Round) -> list[dict[str, float]]:
    """The same rounds with the reviewers' bias and the reviews' noise scaled."""
    worlds = []
    for bias, noise in WORLD_SCALES:
        outcomes = [
            simulate_calibration(
                seed,
                size.reports,
                size.reviewers,
                size.reviews_per_report,
                WORLD.scaled(bias=bias, noise=noise),
            )
            for seed in size.seeds
        ]
        gain = statistics.mean(o.gain for o in outcomes)
        ceiling = statistics.mean(o.oracle_gain for o in outcomes)
        console.print(
            f"calibration: bias x{bias:g}, noise x{noise:g}: mean gain {gain:+.2f} points, "
            f"the oracle's {ceiling:+.2f}"
        )
        worlds.append(
            {
                "bias_scale": bias,
                "noise_scale": noise,
                "gain_points": round(gain, 2),
                "oracle_points": round(ceiling, 2),
            }
        )
    return worlds
