"""The review rubric: weights summing to 1, every criterion scored once in range, weighted."""

from __future__ import annotations

import pytest

from services.evaluation.domain.rubric import Criterion, Rubric
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit


def rubric(*weights: float, low: float = 0.0, high: float = 10.0) -> Rubric:
    keys = ("method", "content", "writing", "impact")
    return Rubric(tuple(Criterion(k, w) for k, w in zip(keys, weights, strict=False)), low, high)


def test_weights_within_1e9_of_one_are_accepted() -> None:
    assert rubric(0.5, 0.4999999999).keys == ("method", "content")
    assert rubric(0.3, 0.3, 0.4).keys == ("method", "content", "writing")


@pytest.mark.parametrize("weights", [(0.5, 0.499999999), (0.5, 0.49), (0.6, 0.6)])
def test_weights_not_summing_to_one_are_refused(weights: tuple[float, float]) -> None:
    with pytest.raises(RuleBroken) as refused:
        rubric(*weights)
    assert refused.value.rule == "weights_not_one"
    assert refused.value.invalid


def test_zero_or_negative_weight_duplicate_criterion_and_bad_range_are_refused() -> None:
    with pytest.raises(RuleBroken, match="weight"):
        rubric(1.0, 0.0)
    with pytest.raises(RuleBroken) as dup:
        Rubric((Criterion("method", 0.5), Criterion("method", 0.5)))
    assert dup.value.rule == "duplicate_criterion"
    with pytest.raises(RuleBroken) as bad:
        rubric(1.0, low=5, high=5)
    assert bad.value.field == "score_range"
    with pytest.raises(RuleBroken):
        Rubric(())


def test_weighted_score() -> None:
    r = rubric(0.5, 0.3, 0.2)
    assert r.weighted_score({"method": 10, "content": 5, "writing": 0}) == pytest.approx(6.5)


def test_range_bounds_are_included() -> None:
    r = rubric(0.5, 0.5)
    assert r.weighted_score({"method": 0, "content": 10}) == pytest.approx(5)


@pytest.mark.parametrize("value", [-0.01, 10.01, float("nan")])
def test_out_of_range_score_is_refused_naming_the_field(value: float) -> None:
    with pytest.raises(RuleBroken) as refused:
        rubric(0.5, 0.5).validate({"method": value, "content": 5})
    assert refused.value.field == "scores.method"
    assert refused.value.rule == "score_out_of_range"


def test_missing_and_unknown_criteria_are_refused() -> None:
    r = rubric(0.5, 0.5)
    with pytest.raises(RuleBroken) as missing:
        r.validate({"method": 5})
    assert (missing.value.field, missing.value.rule) == ("scores.content", "criterion_not_scored")
    with pytest.raises(RuleBroken) as unknown:
        r.validate({"method": 5, "content": 5, "style": 5})
    assert unknown.value.field == "scores.style"
