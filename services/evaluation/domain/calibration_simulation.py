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

`simulate_second_looks` carries the same round on as an award run does: every report
the run holds back at a cut-off (`awards.award`) gets one more reviewer, and the round
is calibrated again (`calibration_second_looks` in the bench, beside the figure).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from services.evaluation.domain.awards import award
from services.evaluation.domain.calibration import Calibration, Review, calibrate

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


@dataclass(frozen=True)
class SecondLookGain:
    """The round carried on as an award run does: every report held back at a cut-off
    (its interval reaches it) gets one more reviewer, and the ranking is calibrated again."""

    second_looks: int  # reports given one more review
    first_gain: float  # before the second looks: `SimulatedGain.gain`
    gain: float  # calibrated after them minus the raw mean of the same reviews
    oracle_gain: float  # true biases subtracted from the same reviews, minus that raw mean
    gain_over_first_raw: float  # calibrated after them minus the raw mean before them


class _Round:
    """One simulated round: true qualities, reviewers' biases, the reviews given so far."""

    def __init__(self, seed: int, reports: int, reviewers: int, world: World) -> None:
        self.rng = rng = np.random.default_rng(seed)
        self.world = world
        self.quality = rng.normal(world.quality_mean, world.quality_sd, reports)
        kind = rng.random(reviewers)
        magnitude = rng.uniform(*world.bias_range, reviewers)
        self.bias = np.where(
            kind < world.lenient_share,
            magnitude,
            np.where(
                kind < world.lenient_share + world.severe_share,
                -magnitude,
                rng.normal(0.0, world.neutral_bias_sd, reviewers),
            ),
        )
        self.load = np.zeros(reviewers)
        self.scores: list[list[tuple[int, float]]] = [[] for _ in range(reports)]

    def review(self, report: int, count: int) -> None:
        """`count` more distinct reviewers for `report`, the least loaded (random ties)."""
        order = np.lexsort((self.rng.random(len(self.load)), self.load))
        taken = {j for j, _ in self.scores[report]}
        chosen = np.array([j for j in order.tolist() if j not in taken][:count], dtype=np.intp)
        self.load[chosen] += 1
        noise = self.rng.normal(0.0, self.world.noise_sd, count)
        given = np.clip(self.quality[report] + self.bias[chosen] + noise, 0.0, 100.0)
        self.scores[report].extend(zip(chosen.tolist(), given.tolist(), strict=True))

    def raw(self) -> np.ndarray:
        return np.array([np.mean([s for _, s in given]) for given in self.scores])

    def oracle(self) -> np.ndarray:
        return np.array([np.mean([s - self.bias[j] for j, s in given]) for given in self.scores])

    def calibrated(self) -> Calibration:
        return calibrate(
            [
                Review(report_id=f"r{i:06d}", reviewer_id=f"v{j:04d}", score=float(s))
                for i, given in enumerate(self.scores)
                for j, s in given
            ]
        )

    def agreement(self, estimate: np.ndarray) -> float:
        """Top-10% agreement with the truth, a share."""
        return top_agreement(estimate, self.quality)


def _points(agreement: float, baseline: float) -> float:
    """The difference of two agreements, in percentage points (as the figure always was)."""
    return 100.0 * (agreement - baseline)


def _scores(calibration: Calibration) -> np.ndarray:
    return np.array([r.calibrated for r in calibration.reports])  # ids sort as indices


def simulate_calibration_gain(
    seed: int,
    reports: int,
    reviewers: int,
    reviews_per_report: int | tuple[int, int],
    world: World = WORLD,
) -> float:
    """Top-10% agreement with the truth, calibrated minus raw mean, in percentage points."""
    return simulate_calibration(seed, reports, reviewers, reviews_per_report, world).gain


def _first_round(
    seed: int,
    reports: int,
    reviewers: int,
    reviews_per_report: int | tuple[int, int],
    world: World,
) -> _Round:
    low, high = (
        (reviews_per_report, reviews_per_report)
        if isinstance(reviews_per_report, int)
        else reviews_per_report
    )
    if reports < 1 or low < 1 or high < low or reviewers < high:
        raise ValueError("need reports >= 1 and 1 <= reviews per report <= reviewers")
    round_ = _Round(seed, reports, reviewers, world)
    for i in range(reports):
        round_.review(i, int(round_.rng.integers(low, high + 1)))
    return round_


def simulate_calibration(
    seed: int,
    reports: int,
    reviewers: int,
    reviews_per_report: int | tuple[int, int],
    world: World = WORLD,
) -> SimulatedGain:
    """The calibrated gain and the oracle's ceiling on the same simulated round."""
    round_ = _first_round(seed, reports, reviewers, reviews_per_report, world)
    raw = round_.agreement(round_.raw())
    return SimulatedGain(
        gain=_points(round_.agreement(_scores(round_.calibrated())), raw),
        oracle_gain=_points(round_.agreement(round_.oracle()), raw),
    )


def simulate_second_looks(
    seed: int,
    reports: int,
    reviewers: int,
    reviews_per_report: int | tuple[int, int],
    world: World = WORLD,
) -> SecondLookGain:
    """The same round, then the award run's second looks (`awards.award`'s held-back
    reports, default shares, every report passing), then calibrated again."""
    round_ = _first_round(seed, reports, reviewers, reviews_per_report, world)
    first_raw = round_.agreement(round_.raw())
    first = round_.calibrated()
    held = award(first.reports, passed=[r.report_id for r in first.reports]).held_back
    for report_id in held:
        round_.review(int(report_id[1:]), 1)
    raw = round_.agreement(round_.raw())
    final = round_.agreement(_scores(round_.calibrated()))
    return SecondLookGain(
        second_looks=len(held),
        first_gain=_points(round_.agreement(_scores(first)), first_raw),
        gain=_points(final, raw),
        oracle_gain=_points(round_.agreement(round_.oracle()), raw),
        gain_over_first_raw=_points(final, first_raw),
    )
