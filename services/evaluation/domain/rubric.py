"""A review rubric: weighted criteria and a score range; a review's scores checked and weighted.

Weights are positive and sum to 1 (within 1e-9, so 0.999999999 is refused and
0.9999999999 accepted); every criterion is scored exactly once, within the range
(bounds included). The weighted score is sum(weight × score), in the same range.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from shared.rules import RuleBroken

WEIGHT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Criterion:
    """One rubric criterion, named by a key (e.g. "method") with its weight."""

    key: str
    weight: float


@dataclass(frozen=True)
class Rubric:
    """Criteria (weights summing to 1) and the score range [low, high] every criterion uses."""

    criteria: tuple[Criterion, ...]
    low: float = 0.0
    high: float = 100.0

    def __post_init__(self) -> None:
        if not self.criteria:
            raise RuleBroken(
                "no_criteria", field="criteria", message="a rubric needs criteria", invalid=True
            )
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low >= self.high:
            raise RuleBroken(
                "bad_score_range",
                field="score_range",
                message="the score range must be two numbers, low < high",
                invalid=True,
            )
        seen: set[str] = set()
        for criterion in self.criteria:
            if not criterion.key or criterion.key in seen:
                raise RuleBroken(
                    "duplicate_criterion",
                    field=f"criteria.{criterion.key}",
                    message=f"criterion {criterion.key!r} is empty or appears twice",
                    invalid=True,
                )
            seen.add(criterion.key)
            if not math.isfinite(criterion.weight) or criterion.weight <= 0:
                raise RuleBroken(
                    "bad_weight",
                    field=f"criteria.{criterion.key}.weight",
                    message=f"the weight of {criterion.key!r} must be a positive number",
                    invalid=True,
                )
        total = math.fsum(c.weight for c in self.criteria)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise RuleBroken(
                "weights_not_one",
                field="criteria.weight",
                message=f"the weights sum to {total!r}, not 1",
                invalid=True,
            )

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.criteria)

    def validate(self, scores: Mapping[str, float]) -> None:
        """Refuse scores missing a criterion, naming an unknown one, or out of range."""
        for key in scores:
            if key not in self.keys:
                raise RuleBroken(
                    "unknown_criterion",
                    field=f"scores.{key}",
                    message=f"{key!r} is not a criterion of this rubric",
                    invalid=True,
                )
        for key in self.keys:
            if key not in scores:
                raise RuleBroken(
                    "criterion_not_scored",
                    field=f"scores.{key}",
                    message=f"criterion {key!r} is not scored",
                    invalid=True,
                )
            score = scores[key]
            if not math.isfinite(score) or not self.low <= score <= self.high:
                raise RuleBroken(
                    "score_out_of_range",
                    field=f"scores.{key}",
                    message=f"the score of {key!r} must be within [{self.low}, {self.high}]",
                    invalid=True,
                )

    def weighted_score(self, scores: Mapping[str, float]) -> float:
        """The validated scores' weighted sum."""
        self.validate(scores)
        return math.fsum(c.weight * scores[c.key] for c in self.criteria)
