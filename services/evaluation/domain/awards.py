"""Awards: the college's top share screened, then prizes; the excellence review's eligibility.

Ranking: reports with a misconduct decision are disqualified first; the others are ranked
by calibrated score, highest first, ties broken by report id (deterministic). Counts
from ratios round up (10% of 7 reports screens 1; at least 1 when there are reports).

Screen: the top `screen_ratio` (default 10%). Among the screened: 1st, 2nd, 3rd prizes
and honourable mentions, in rank order, by counts or by ratios of the screened (exactly
one of the two given); the rest of the screened get nothing more. Excellence review:
passing reports within the top `excellence_ratio` (default 30%) may apply, once the
season's run is final: only the final run's `excellence_eligible` (`may_apply`).

Cut-offs: each boundary (screen, prize tiers, excellence) lies midway between the last
report in and the first report out. A report whose interval reaches a cut-off
(`calibration.is_borderline`) is held back: its placement is provisional until one more
review (ids in `reviewed_again` are no longer held back).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from services.evaluation.domain.calibration import ReportCalibration, is_borderline
from shared.rules import RuleBroken

FIRST = "first"
SECOND = "second"
THIRD = "third"
HONOURABLE = "honourable"
TIERS = (FIRST, SECOND, THIRD, HONOURABLE)


def _invalid(rule: str, field: str, message: str) -> RuleBroken:
    return RuleBroken(rule, field=field, message=message, invalid=True)


@dataclass(frozen=True)
class AwardConfig:
    """Shares and prize quotas (first, second, third, honourable), as counts or ratios."""

    screen_ratio: float = 0.10
    excellence_ratio: float = 0.30
    prize_counts: tuple[int, int, int, int] | None = None
    prize_ratios: tuple[float, float, float, float] | None = (0.1, 0.2, 0.3, 0.4)

    def __post_init__(self) -> None:
        for name in ("screen_ratio", "excellence_ratio"):
            value = getattr(self, name)
            if not math.isfinite(value) or not 0 < value <= 1:
                raise _invalid("bad_ratio", name, f"{name} must be within (0, 1]")
        if (self.prize_counts is None) == (self.prize_ratios is None):
            raise _invalid(
                "prize_quota", "prize_counts", "give the prizes either as counts or as ratios"
            )
        if self.prize_counts is not None:
            if len(self.prize_counts) != len(TIERS) or any(c < 0 for c in self.prize_counts):
                raise _invalid(
                    "bad_prize_counts", "prize_counts", "four counts, none negative, are needed"
                )
        if self.prize_ratios is not None:
            ratios = self.prize_ratios
            if len(ratios) != len(TIERS) or any(not math.isfinite(r) or r < 0 for r in ratios):
                raise _invalid(
                    "bad_prize_ratios", "prize_ratios", "four ratios, none negative, are needed"
                )
            if math.fsum(ratios) > 1 + 1e-9:
                raise _invalid(
                    "prize_ratios_over_one", "prize_ratios", "the prize ratios sum to more than 1"
                )


@dataclass(frozen=True)
class Cutoff:
    """A boundary between ranks: `name` (e.g. "screen", "first"), its score."""

    name: str
    score: float


@dataclass(frozen=True)
class AwardResult:
    ranking: tuple[str, ...]
    screened: tuple[str, ...]
    prizes: dict[str, tuple[str, ...]]
    excellence_eligible: tuple[str, ...]
    disqualified: tuple[str, ...]
    cutoffs: tuple[Cutoff, ...]
    held_back: tuple[str, ...]

    @property
    def final(self) -> bool:
        """The cut is final only when no report is held back for one more review."""
        return not self.held_back

    def prize_of(self, report_id: str) -> str | None:
        for tier, ids in self.prizes.items():
            if report_id in ids:
                return tier
        return None


def share(ratio: float, n: int) -> int:
    """ceil(ratio × n) (tolerant of float noise), at least 1 when n > 0."""
    if n == 0:
        return 0
    return min(n, max(1, math.ceil(ratio * n - 1e-9)))


def _tier_sizes(config: AwardConfig, screened: int) -> tuple[int, ...]:
    if config.prize_counts is not None:
        if sum(config.prize_counts) > screened:
            raise RuleBroken(
                "too_many_prizes",
                field="prize_counts",
                message=f"{sum(config.prize_counts)} prizes for {screened} screened reports",
            )
        return config.prize_counts
    assert config.prize_ratios is not None
    sizes: list[int] = []
    done, cumulative = 0, 0.0
    for ratio in config.prize_ratios:
        cumulative += ratio
        end = min(screened, math.ceil(cumulative * screened - 1e-9)) if ratio > 0 else done
        sizes.append(max(0, end - done))
        done += sizes[-1]
    return tuple(sizes)


def _cutoff(ranked: Sequence[ReportCalibration], position: int, name: str) -> Cutoff | None:
    """Midway between rank `position - 1` (last in) and `position` (first out)."""
    if position <= 0 or position >= len(ranked):
        return None
    return Cutoff(name, (ranked[position - 1].calibrated + ranked[position].calibrated) / 2)


def award(
    reports: Sequence[ReportCalibration],
    *,
    passed: Collection[str],
    misconduct: Collection[str] = (),
    reviewed_again: Collection[str] = (),
    config: AwardConfig | None = None,
) -> AwardResult:
    """Screen, place prizes and find the excellence review's eligible reports."""
    config = config or AwardConfig()
    ids = [r.report_id for r in reports]
    if len(set(ids)) != len(ids):
        raise _invalid("duplicate_report", "reports", "a report appears twice")
    disqualified = tuple(sorted(i for i in ids if i in set(misconduct)))
    ranked = sorted(
        (r for r in reports if r.report_id not in set(misconduct)),
        key=lambda r: (-r.calibrated, r.report_id),
    )
    n = len(ranked)
    screen_n = share(config.screen_ratio, n)
    screened = ranked[:screen_n]
    cutoffs = [_cutoff(ranked, screen_n, "screen")]
    prizes: dict[str, tuple[str, ...]] = {}
    start = 0
    for tier, size in zip(TIERS, _tier_sizes(config, screen_n), strict=True):
        prizes[tier] = tuple(r.report_id for r in screened[start : start + size])
        start += size
        if size and start < screen_n:
            cutoffs.append(_cutoff(screened, start, tier))
    excellence_n = share(config.excellence_ratio, n)
    eligible = tuple(r.report_id for r in ranked[:excellence_n] if r.report_id in set(passed))
    cutoffs.append(_cutoff(ranked, excellence_n, "excellence"))
    kept = tuple(c for c in cutoffs if c is not None)
    again = set(reviewed_again)
    held = tuple(
        r.report_id
        for r in ranked
        if r.report_id not in again and any(is_borderline(r, c.score) for c in kept)
    )
    return AwardResult(
        ranking=tuple(r.report_id for r in ranked),
        screened=tuple(r.report_id for r in screened),
        prizes=prizes,
        excellence_eligible=eligible,
        disqualified=disqualified,
        cutoffs=kept,
        held_back=held,
    )


def may_apply(
    report_id: str,
    *,
    passed: bool,
    misconduct: bool,
    final_eligible: Collection[str] | None,
) -> None:
    """Refuse (409) an excellence application unless the report has a passing final grade,
    no misconduct, and a place in the excellence-eligible list of the season's FINAL
    award run (`final_eligible`; None while no run is final: the cut may still move, a
    borderline report waiting for one more review). Checked in that order."""
    if not passed:
        raise RuleBroken(
            "not_passed",
            field="report_id",
            message="only a report with a final passing grade may apply for the excellence review",
        )
    if misconduct:
        raise RuleBroken(
            "misconduct", field="report_id", message="the report is out of the awards (misconduct)"
        )
    if final_eligible is None:
        raise RuleBroken(
            "awards_not_final",
            field="season",
            message="the season's award run is not final yet: apply once the cut is decided",
        )
    if report_id not in set(final_eligible):
        raise RuleBroken(
            "not_in_top_share",
            field="report_id",
            message="only passing reports within the top share (excellence_ratio) of the"
            " season's final award run may apply for the excellence review",
        )
