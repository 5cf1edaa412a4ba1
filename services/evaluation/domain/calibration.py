"""Calibrated review scores: reviewer leniency/severity removed, shown beside the raw mean.

Model (an additive two-way layout): every review is

    score[report, reviewer] = quality[report] + bias[reviewer] + noise,

noise independent with a common variance sigma². A lenient reviewer has a positive
bias, a severe one a negative bias. Quality and biases are estimated together by least
squares over ALL reviews. The model only fixes quality + bias, so the biases are
identified by `sum(bias) = 0` (quality is then "the score the average reviewer would
give"); with `ridge > 0` a small penalty `ridge * sum(bias²)` is used instead (a
zero-mean prior on the biases, which also keeps a reviewer with very few reviews near 0).

Solving: the normal equations have a diagonal block for the qualities (each report's
review count), so the qualities are eliminated and only the reviewers' system is solved
(the Schur complement `S = diag(c) - Cᵀ diag(1/k) C`, reviewers × reviewers; C counts
the reviews of each report by each reviewer, k the reviews of each report, c those of
each reviewer). 5,000 reports × 200 reviewers is a 200 × 200 solve. When the reviewers
fall into groups that never review a common report, each group's biases are only
known relative to each other; the minimum-norm solution (pseudo-inverse) is used then.

Uncertainty: sigma² is estimated from the residuals, RSS / (N − n − rank(S)) (N reviews,
n reports). The calibrated score of report i is mean_j(score_ij − bias_j), whose
variance under the model is sigma² · (1/k_i + a_iᵀ S⁺ a_i), with a_i the report's
reviewers' shares (C_i / k_i): the first term is the report's own noise, shrinking with
its number of reviews, the second the uncertainty of its reviewers' estimated biases.
The interval is calibrated ± z · standard error (z = 1.96 by default, about 95% under
normal noise). When there are no spare degrees of freedom (e.g. every report has one
review), the noise cannot be estimated: `noise_sd` is None and every interval is
unbounded — honest, and such reports are all borderline.

Nothing is silently replaced: each report keeps its raw mean, its review count, its
calibrated score and interval; each reviewer keeps its estimated bias and review count.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from services.evaluation.domain.review_assignment import reviewer_groups
from shared.rules import RuleBroken

DEFAULT_Z = 1.96


@dataclass(frozen=True)
class Review:
    """One reviewer's score of one report."""

    report_id: str
    reviewer_id: str
    score: float


@dataclass(frozen=True)
class ReportCalibration:
    """A report's raw mean and its calibrated score with an uncertainty interval."""

    report_id: str
    reviews: int
    raw_mean: float
    calibrated: float
    standard_error: float
    low: float
    high: float


@dataclass(frozen=True)
class ReviewerBias:
    """A reviewer's estimated leniency (> 0) or severity (< 0), in score points."""

    reviewer_id: str
    bias: float
    reviews: int
    # Which group of reviewers linked by common reports this one is in (0, 1, …, numbered
    # by each group's first reviewer id): biases compare only within one group.
    group: int = 0


@dataclass(frozen=True)
class Calibration:
    """The whole estimate: reports (by id), reviewers (by id) and the noise estimate."""

    reports: tuple[ReportCalibration, ...]
    reviewers: tuple[ReviewerBias, ...]
    noise_sd: float | None
    degrees_of_freedom: int
    z: float
    ridge: float
    groups: int = 0  # groups of reviewers no common report links (1: all comparable)

    def report(self, report_id: str) -> ReportCalibration:
        for report in self.reports:
            if report.report_id == report_id:
                return report
        raise KeyError(report_id)

    def reviewer(self, reviewer_id: str) -> ReviewerBias:
        for reviewer in self.reviewers:
            if reviewer.reviewer_id == reviewer_id:
                return reviewer
        raise KeyError(reviewer_id)


def _validate(reviews: Sequence[Review], report_ids: Collection[str] | None) -> None:
    if not reviews:
        raise RuleBroken(
            "no_reviews", field="reviews", message="there are no reviews to calibrate", invalid=True
        )
    seen: set[tuple[str, str]] = set()
    known = None if report_ids is None else set(report_ids)
    for review in reviews:
        if not math.isfinite(review.score):
            raise RuleBroken(
                "score_not_finite",
                field="score",
                message=f"the score of {review.reviewer_id} for {review.report_id} is not a number",
                invalid=True,
            )
        if known is not None and review.report_id not in known:
            raise RuleBroken(
                "unknown_report",
                field="report_id",
                message=f"a score was given for the unknown report {review.report_id!r}",
                invalid=True,
            )
        pair = (review.report_id, review.reviewer_id)
        if pair in seen:
            raise RuleBroken(
                "duplicate_review",
                field="reviewer_id",
                message=f"{review.reviewer_id} reviewed {review.report_id} more than once",
                invalid=True,
            )
        seen.add(pair)
    if known is not None:
        unreviewed = sorted(known - {review.report_id for review in reviews})
        if unreviewed:
            raise RuleBroken(
                "report_without_reviews",
                field="report_id",
                message=f"reports without any review cannot be calibrated: {unreviewed[:5]}",
                invalid=True,
            )


def calibrate(
    reviews: Sequence[Review],
    *,
    report_ids: Collection[str] | None = None,
    ridge: float = 0.0,
    z: float = DEFAULT_Z,
) -> Calibration:
    """Estimate reviewer biases and calibrated report scores (see the module docstring).

    `report_ids`, when given, is the set of reports of the round: a score for a report
    outside it, or a report in it without any review, is refused. A reviewer may score
    a report at most once. Results are ordered by id, so they never depend on input order.
    """
    if ridge < 0 or not math.isfinite(ridge):
        raise RuleBroken("bad_ridge", field="ridge", message="ridge must be >= 0", invalid=True)
    if z <= 0 or not math.isfinite(z):
        raise RuleBroken("bad_z", field="z", message="z must be > 0", invalid=True)
    _validate(reviews, report_ids)

    report_list = sorted({review.report_id for review in reviews})
    reviewer_list = sorted({review.reviewer_id for review in reviews})
    report_index = {rid: i for i, rid in enumerate(report_list)}
    reviewer_index = {rid: j for j, rid in enumerate(reviewer_list)}
    n, m = len(report_list), len(reviewer_list)

    rows = np.fromiter((report_index[r.report_id] for r in reviews), dtype=np.intp)
    cols = np.fromiter((reviewer_index[r.reviewer_id] for r in reviews), dtype=np.intp)
    scores = np.fromiter((float(r.score) for r in reviews), dtype=np.float64)

    k = np.bincount(rows, minlength=n).astype(np.float64)  # reviews per report
    c = np.bincount(cols, minlength=m).astype(np.float64)  # reviews per reviewer
    counts = np.zeros((n, m))
    np.add.at(counts, (rows, cols), 1.0)
    y = np.bincount(rows, weights=scores, minlength=n)  # score sums per report
    zc = np.bincount(cols, weights=scores, minlength=m)  # score sums per reviewer

    shares = counts / k[:, None]  # a_i: each report's reviewers' shares
    schur = np.diag(c) - shares.T @ counts
    rhs = zc - counts.T @ (y / k)
    if ridge > 0:
        system = schur + ridge * np.eye(m)
        inverse = np.linalg.inv(system)
        bias = inverse @ rhs
        rank = m
    else:
        # Sum-zero identification: the ones vector spans S's null space when the
        # reviewers are connected; the pseudo-inverse gives the minimum-norm solution,
        # i.e. sum(bias) = 0 (within each connected group when they are not).
        inverse = np.linalg.pinv(schur, rcond=1e-10, hermitian=True)
        bias = inverse @ rhs
        rank = int(
            np.linalg.matrix_rank(schur, tol=1e-8 * max(1.0, float(c.max())), hermitian=True)
        )
    quality = (y - counts @ bias) / k

    residuals = scores - quality[rows] - bias[cols]
    dof = len(reviews) - n - rank
    if dof > 0:
        noise_sd: float | None = math.sqrt(float(residuals @ residuals) / dof)
    else:
        noise_sd = None

    raw = y / k
    bias_term = np.einsum("ij,ij->i", shares @ inverse, shares)
    if noise_sd is None:
        se = np.full(n, math.inf)
    else:
        se = noise_sd * np.sqrt(1.0 / k + np.maximum(bias_term, 0.0))

    reports = tuple(
        ReportCalibration(
            report_id=rid,
            reviews=int(k[i]),
            raw_mean=float(raw[i]),
            calibrated=float(quality[i]),
            standard_error=float(se[i]),
            low=float(quality[i] - z * se[i]),
            high=float(quality[i] + z * se[i]),
        )
        for i, rid in enumerate(report_list)
    )
    group_of = reviewer_groups((r.report_id, r.reviewer_id) for r in reviews)
    reviewers = tuple(
        ReviewerBias(reviewer_id=rid, bias=float(bias[j]), reviews=int(c[j]), group=group_of[rid])
        for j, rid in enumerate(reviewer_list)
    )
    return Calibration(
        reports=reports,
        reviewers=reviewers,
        noise_sd=noise_sd,
        degrees_of_freedom=max(dof, 0),
        z=z,
        ridge=ridge,
        groups=len(set(group_of.values())),
    )


def is_borderline(report: ReportCalibration, cutoff: float) -> bool:
    """A report is borderline when its interval reaches the cut-off: low <= cutoff <= high.

    Touching the cut-off counts (the interval does not exclude it), so such a report
    gets one more reviewer before the cut is final.
    """
    if not math.isfinite(cutoff):
        raise RuleBroken(
            "bad_cutoff", field="cutoff", message="the cut-off must be a number", invalid=True
        )
    return report.low <= cutoff <= report.high


def borderline_reports(calibration: Calibration, cutoff: float) -> tuple[str, ...]:
    """The ids of the reports whose interval crosses `cutoff`, in id order."""
    return tuple(r.report_id for r in calibration.reports if is_borderline(r, cutoff))
