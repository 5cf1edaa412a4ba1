"""A seeded simulation of a review round with injected reviewer bias (pure, no I/O).

Used by the calibration tests and by `campusflow bench evaluation`
(`calibration_gain_points`): how much better the calibrated top 10% agrees with the
true top 10% than the raw mean's, in percentage points.

The round (`WORLD`, the defaults of `World`): each report has a true quality
~ N(70, 10²) on a 100-point scale. A reviewer is lenient (20%, bias uniform in
[+4, +10]), severe (20%, bias in [−10, −4]) or neutral (60%, bias ~ N(0, 1.5²)); every
review adds independent noise ~ N(0, 4²) and is clipped to [0, 100]. Each report gets
`reviews_per_report` distinct reviewers (an int, or an inclusive (low, high) range drawn
per report), chosen from the least-loaded reviewers with random tie-breaks, as a fair
assignment would. `World.scaled` gives the same round with more or less bias and noise.

The same round also gives the ceiling: an oracle that knows every reviewer's true bias
and subtracts it. No bias correction can do better on average, so `oracle_gain` says how
much of the possible gain the estimate reaches (with two reviews per report, the
remaining error is the reviews' own noise, which no correction removes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from services.evaluation.domain.calibration import Review, calibrate

TOP_SHARE = 0.1


@dataclass(frozen=True)
class World:
    """The simulated round's sizes of quality, bias and noise (score points)."""

    quality_mean: float = 70.0
    quality_sd: float = 10.0
    noise_sd: float = 4.0
    lenient_share: float = 0.2
    severe_share: float = 0.2
    bias_range: tuple[float, float] = (4.0, 10.0)
    neutral_bias_sd: float = 1.5

    def scaled(self, *, bias: float = 1.0, noise: float = 1.0) -> World:
        """This world with every reviewer's bias and every review's noise scaled."""
        low, high = self.bias_range
        return replace(
            self,
            noise_sd=self.noise_sd * noise,
            bias_range=(low * bias, high * bias),
            neutral_bias_sd=self.neutral_bias_sd * bias,
        )


WORLD = World()  # the bench's world, fixed before its figures were measured


def top_agreement(estimate: np.ndarray, truth: np.ndarray, share: float = TOP_SHARE) -> float:
    """The share of the true top `share` that the estimate's top `share` contains."""
    size = max(1, math.ceil(share * len(truth)))
    true_top = set(np.argsort(-truth, kind="stable")[:size].tolist())
    est_top = set(np.argsort(-estimate, kind="stable")[:size].tolist())
    return len(true_top & est_top) / size


@dataclass(frozen=True)
class SimulatedGain:
    gain: float  # calibrated minus raw mean, percentage points of top-10% agreement
    oracle_gain: float  # true biases subtracted, minus raw mean: the ceiling


def simulate_calibration_gain(
    seed: int,
    reports: int,
    reviewers: int,
    reviews_per_report: int | tuple[int, int],
    world: World = WORLD,
) -> float:
    """Top-10% agreement with the truth, calibrated minus raw mean, in percentage points."""
    return simulate_calibration(seed, reports, reviewers, reviews_per_report, world).gain


def simulate_calibration(
    seed: int,
    reports: int,
    reviewers: int,
    reviews_per_report: int | tuple[int, int],
    world: World = WORLD,
) -> SimulatedGain:
    """The calibrated gain and the oracle's ceiling on the same simulated round."""
    low, high = (
        (reviews_per_report, reviews_per_report)
        if isinstance(reviews_per_report, int)
        else reviews_per_report
    )
    if reports < 1 or low < 1 or high < low or reviewers < high:
        raise ValueError("need reports >= 1 and 1 <= reviews per report <= reviewers")
    rng = np.random.default_rng(seed)
    quality = rng.normal(world.quality_mean, world.quality_sd, reports)
    kind = rng.random(reviewers)
    magnitude = rng.uniform(*world.bias_range, reviewers)
    bias = np.where(
        kind < world.lenient_share,
        magnitude,
        np.where(
            kind < world.lenient_share + world.severe_share,
            -magnitude,
            rng.normal(0.0, world.neutral_bias_sd, reviewers),
        ),
    )

    load = np.zeros(reviewers)
    reviews: list[Review] = []
    raw = np.empty(reports)
    oracle = np.empty(reports)
    for i in range(reports):
        count = int(rng.integers(low, high + 1))
        order = np.lexsort((rng.random(reviewers), load))
        chosen = order[:count]
        load[chosen] += 1
        scores = np.clip(
            quality[i] + bias[chosen] + rng.normal(0.0, world.noise_sd, count), 0.0, 100.0
        )
        raw[i] = scores.mean()
        oracle[i] = (scores - bias[chosen]).mean()
        reviews.extend(
            Review(report_id=f"r{i:06d}", reviewer_id=f"v{j:04d}", score=float(s))
            for j, s in zip(chosen.tolist(), scores.tolist(), strict=True)
        )

    result = calibrate(reviews)
    calibrated = np.array([r.calibrated for r in result.reports])  # ids sort as indices
    raw_agreement = top_agreement(raw, quality)
    return SimulatedGain(
        gain=100.0 * (top_agreement(calibrated, quality) - raw_agreement),
        oracle_gain=100.0 * (top_agreement(oracle, quality) - raw_agreement),
    )
