"""Awards: screen the top share, place prizes, excellence eligibility, borderline held back."""

from __future__ import annotations

import pytest

from services.evaluation.domain.awards import (
    FIRST,
    HONOURABLE,
    SECOND,
    THIRD,
    AwardConfig,
    award,
    may_apply,
    share,
)
from services.evaluation.domain.calibration import ReportCalibration
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit


def rep(report_id: str, score: float, half: float = 0.0) -> ReportCalibration:
    return ReportCalibration(report_id, 3, score, score, half / 1.96, score - half, score + half)


def college(n: int) -> list[ReportCalibration]:
    """Reports r00 (best) .. r{n-1}, ten points apart, with exact scores."""
    return [rep(f"r{i:02d}", 1000.0 - 10 * i) for i in range(n)]


ALL = {f"r{i:02d}" for i in range(100)}


@pytest.mark.parametrize(("n", "screened"), [(0, 0), (1, 1), (7, 1), (10, 1), (11, 2), (20, 2)])
def test_ten_percent_rounds_up_and_keeps_at_least_one(n: int, screened: int) -> None:
    assert share(0.10, n) == screened
    assert len(award(college(n), passed=ALL).screened) == screened


def test_ten_percent_of_seven_reports_screens_the_best() -> None:
    result = award(list(reversed(college(7))), passed=ALL)
    assert result.screened == ("r00",)
    assert result.prizes[FIRST] == ("r00",)
    assert result.final


def test_ties_are_broken_by_report_id_whatever_the_input_order() -> None:
    reports = [rep("b", 80), rep("c", 90), rep("a", 80), rep("d", 70)]
    config = AwardConfig(screen_ratio=0.5)
    for order in (reports, list(reversed(reports))):
        result = award(order, passed=ALL, config=config)
        assert result.ranking == ("c", "a", "b", "d")
        assert result.screened == ("c", "a")


def test_prizes_by_counts_in_rank_order() -> None:
    config = AwardConfig(screen_ratio=0.5, prize_counts=(1, 1, 1, 1), prize_ratios=None)
    result = award(college(10), passed=ALL, config=config)
    assert result.screened == ("r00", "r01", "r02", "r03", "r04")
    assert [result.prizes[t] for t in (FIRST, SECOND, THIRD, HONOURABLE)] == [
        ("r00",),
        ("r01",),
        ("r02",),
        ("r03",),
    ]
    assert result.prize_of("r04") is None


def test_prizes_by_ratios_of_the_screened() -> None:
    result = award(college(100), passed=ALL)
    sizes = [len(result.prizes[t]) for t in (FIRST, SECOND, THIRD, HONOURABLE)]
    assert sizes == [1, 2, 3, 4]
    assert result.prizes[SECOND] == ("r01", "r02")


def test_more_prize_counts_than_screened_reports_are_refused() -> None:
    config = AwardConfig(prize_counts=(1, 1, 0, 0), prize_ratios=None)
    with pytest.raises(RuleBroken) as refused:
        award(college(7), passed=ALL, config=config)
    assert refused.value.rule == "too_many_prizes"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"screen_ratio": 0.0}, "screen_ratio"),
        ({"excellence_ratio": 1.5}, "excellence_ratio"),
        ({"prize_counts": (1, 1, 1, 1)}, "prize_counts"),
        ({"prize_ratios": None}, "prize_counts"),
        ({"prize_ratios": (0.5, 0.3, 0.2, 0.1)}, "prize_ratios"),
        ({"prize_ratios": (0.5, -0.1, 0.2, 0.1)}, "prize_ratios"),
        ({"prize_counts": (1, -1, 0, 0), "prize_ratios": None}, "prize_counts"),
    ],
)
def test_bad_configuration_is_refused(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(RuleBroken) as refused:
        AwardConfig(**kwargs)  # type: ignore[arg-type]
    assert refused.value.field == field and refused.value.invalid


def test_passing_reports_in_the_top_thirty_percent_are_eligible() -> None:
    passed = ALL - {"r01"}
    result = award(college(10), passed=passed)
    assert result.excellence_eligible == ("r00", "r02")


def test_misconduct_disqualifies_and_is_not_ranked() -> None:
    result = award(college(10), passed=ALL, misconduct={"r00"})
    assert result.disqualified == ("r00",)
    assert "r00" not in result.ranking
    assert result.screened == ("r01",)
    assert "r00" not in result.excellence_eligible


def test_a_report_whose_interval_crosses_a_cutoff_is_held_back() -> None:
    reports = college(10)
    reports[1] = rep("r01", 990.0, half=6.0)  # screen cut-off 995 lies in [984, 996]
    result = award(reports, passed=ALL)
    assert result.cutoffs[0].name == "screen" and result.cutoffs[0].score == 995.0
    assert result.held_back == ("r01",)
    assert not result.final
    after = award(reports, passed=ALL, reviewed_again={"r01"})
    assert after.final and after.screened == ("r00",)


def test_touching_a_cutoff_is_borderline_and_narrow_intervals_are_not() -> None:
    reports = college(10)
    reports[0] = rep("r00", 1000.0, half=5.0)  # low 995 touches the screen cut-off
    reports[3] = rep("r03", 970.0, half=4.9)  # excellence cut-off 965 not reached
    result = award(reports, passed=ALL)
    assert result.held_back == ("r00",)


def test_duplicate_reports_are_refused() -> None:
    with pytest.raises(RuleBroken) as refused:
        award([rep("a", 1), rep("a", 2)], passed=ALL)
    assert refused.value.field == "reports"


def test_only_the_final_runs_eligible_reports_may_apply_for_excellence() -> None:
    eligible = ("r00", "r01")
    may_apply("r01", passed=True, misconduct=False, final_eligible=eligible)
    refusals = [
        # (report, passed, misconduct, the final run's list) -> rule, field
        (("r00", False, False, eligible), ("not_passed", "report_id")),
        (("r00", True, True, eligible), ("misconduct", "report_id")),
        (("r00", True, False, None), ("awards_not_final", "season")),
        (("r02", True, False, eligible), ("not_in_top_share", "report_id")),
        (("r00", False, True, None), ("not_passed", "report_id")),
        (("r00", True, True, None), ("misconduct", "report_id")),
    ]
    for (report, passed, misconduct, final), (rule, field) in refusals:
        with pytest.raises(RuleBroken) as refused:
            may_apply(report, passed=passed, misconduct=misconduct, final_eligible=final)
        assert (refused.value.rule, refused.value.field) == (rule, field)
        assert not refused.value.invalid  # 409: a rule of the work, not bad input
