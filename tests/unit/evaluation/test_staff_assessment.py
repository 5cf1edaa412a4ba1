"""Staff assessment folded from scheduling's facts: figures, replays, order, traceability."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from services.evaluation.domain.duty_facts import (
    AttendanceFact,
    CheckedInFact,
    DutyFact,
    HandoverFact,
    MissedFact,
    SanctionFact,
    ShiftAssignedFact,
    ShiftCancelledFact,
    ShiftChangedFact,
)
from services.evaluation.domain.staff_assessment import (
    WEIGHTS,
    DutyRecord,
    OfficerScore,
    Term,
    assess,
)
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit

ME = "p-me"
OTHER = "p-other"
T0 = datetime(2026, 9, 1, tzinfo=UTC)
TERM = Term("2026-autumn", T0, datetime(2027, 1, 20, tzinfo=UTC))


def at(day: int, hour: int = 8) -> datetime:
    return T0 + timedelta(days=day, hours=hour)


def record() -> DutyRecord:
    return DutyRecord(ME, TERM)


def assigned(shift: UUID, day: int, person: str = ME) -> ShiftAssignedFact:
    return ShiftAssignedFact(uuid4(), shift, person, at(day))


def checked_in(shift: UUID, day: int, late: bool = False) -> CheckedInFact:
    return CheckedInFact(uuid4(), shift, ME, at(day), late)


def missed(shift: UUID, day: int) -> MissedFact:
    return MissedFact(uuid4(), shift, ME, at(day))


def handover(shift: UUID, day: int) -> HandoverFact:
    return HandoverFact(uuid4(), uuid4(), shift, ME, at(day, 12))


def attended(kind: str, term: str = TERM.label) -> AttendanceFact:
    return AttendanceFact(uuid4(), uuid4(), ME, kind, term, at(3))  # type: ignore[arg-type]


def sanction(kind: str, term: str = TERM.label) -> SanctionFact:
    return SanctionFact(uuid4(), uuid4(), ME, kind, term, at(4))  # type: ignore[arg-type]


def season() -> tuple[dict[str, UUID], list[DutyFact]]:
    """Four shifts: kept on time with handover, kept late, missed, cancelled; two meetings."""
    s = {k: uuid4() for k in ("on_time", "late", "missed", "cancelled")}
    facts: list[DutyFact] = [
        assigned(s["on_time"], 1),
        assigned(s["late"], 2),
        assigned(s["missed"], 3),
        assigned(s["cancelled"], 4),
        ShiftCancelledFact(uuid4(), s["cancelled"], ME, at(4)),
        checked_in(s["on_time"], 1),
        checked_in(s["late"], 2, late=True),
        missed(s["missed"], 3),
        handover(s["on_time"], 1),
        attended("present"),
        attended("unexcused"),
        attended("excused"),
        sanction("verbal_warning"),
    ]
    return s, facts


def test_each_count_and_criterion() -> None:
    _, facts = season()
    a = assess(record().fold_all(facts))
    assert a.figure("shifts_held").value == 3
    assert a.figure("shifts_kept").value == 2
    assert a.figure("shifts_late").value == 1
    assert a.figure("shifts_missed").value == 1
    assert a.figure("handovers_written").value == 1
    assert a.figure("meetings_present").value == 1
    assert a.figure("meetings_unexcused").value == 1
    assert a.figure("meetings_excused").value == 1
    assert a.figure("sanctions").value == 1
    assert a.figure("presence").value == pytest.approx(1 / 3)
    assert a.figure("duty_log").value == pytest.approx(1 / 2)
    assert a.figure("meeting_attendance").value == pytest.approx(1 / 2)
    assert a.figure("conduct").value == pytest.approx(0.5)
    # No officer's score: those criteria are left out and the weights renormalised.
    assert a.figure("attitude").value is None
    expected = (0.30 / 3 + 0.15 / 2 + 0.15 / 2 + 0.10 * 0.5) / 0.70 * 100
    assert a.figure("total").value == pytest.approx(expected, abs=0.01)


def test_officers_scores_enter_the_total() -> None:
    r = record().fold(checked_in(uuid4(), 1)).fold(handover(uuid4(), 1))
    for criterion, score in (("attitude", 8.0), ("ability", 6.0), ("teamwork", 10.0)):
        r = r.score(OfficerScore(uuid4(), "officer-1", criterion, score))  # type: ignore[arg-type]
    r = r.score(OfficerScore(uuid4(), "officer-2", "attitude", 6.0))
    a = assess(r)
    assert a.figure("attitude").value == pytest.approx(0.7)
    assert a.figure("ability").value == pytest.approx(0.6)
    assert a.figure("teamwork").value == pytest.approx(1.0)
    # presence 1, duty log 0 (handover on another shift), no meetings, conduct 1
    expected = (0.30 * 1 + 0.15 * 0 + 0.10 * 1 + 0.10 * 0.7 + 0.10 * 0.6 + 0.10 * 1) / 0.85
    assert a.figure("total").value == pytest.approx(100 * expected, abs=0.01)


def test_the_duty_staffs_criteria_enter_the_total_beside_the_others() -> None:
    # The expected totals above are written with the weights before the duty staff's
    # criteria came (0.30, 0.15, ...): scaled by 0.8, they give the very same totals.
    r = record().fold(checked_in(uuid4(), 1)).fold(handover(uuid4(), 1))
    for criterion, score in (("enquiries", 9.0), ("equipment", 7.0), ("cleaning", 5.0)):
        r = r.score(OfficerScore(uuid4(), "officer-1", criterion, score))  # type: ignore[arg-type]
    a = assess(r)
    assert a.figure("enquiries").value == pytest.approx(0.9)
    assert a.figure("helping").value is None  # not scored: left out, not zero
    # presence 1, duty log 0 (handover on another shift), no meetings, conduct 1, three
    # of the duty criteria
    weighed = 0.24 + 0.12 + 0.08 + 3 * 0.05
    expected = (0.24 + 0.08 + 0.05 * (0.9 + 0.7 + 0.5)) / weighed
    assert a.figure("total").value == pytest.approx(100 * expected, abs=0.01)
    assert a.figure("total").sources >= a.figure("cleaning").sources


@pytest.mark.parametrize("score", [-0.1, 10.5, 100.0])
def test_officer_score_out_of_range_is_refused(score: float) -> None:
    with pytest.raises(RuleBroken) as e:
        record().score(OfficerScore(uuid4(), "officer-1", "ability", score))
    assert e.value.rule == "score_out_of_range" and e.value.invalid


def test_officer_scores_each_criterion_once() -> None:
    r = record().score(OfficerScore(uuid4(), "officer-1", "ability", 7))
    with pytest.raises(RuleBroken) as e:
        r.score(OfficerScore(uuid4(), "officer-1", "ability", 9))
    assert e.value.rule == "already_scored"
    r = r.score(OfficerScore(uuid4(), "officer-1", "teamwork", 9))
    r = r.score(OfficerScore(uuid4(), "officer-2", "ability", 9))
    assert len(r.officer_scores) == 3


def test_unknown_criterion_is_refused() -> None:
    with pytest.raises(RuleBroken):
        record().score(OfficerScore(uuid4(), "officer-1", "charm", 7))  # type: ignore[arg-type]


def test_replays_change_nothing() -> None:
    _, facts = season()
    once = record().fold_all(facts)
    twice = once.fold_all(facts).fold_all(reversed(facts))
    assert twice == once
    assert assess(twice) == assess(once)


def test_order_does_not_matter() -> None:
    _, facts = season()
    expected = assess(record().fold_all(facts))
    rng = random.Random(9)
    for _ in range(20):
        shuffled = list(facts)
        rng.shuffle(shuffled)
        assert assess(record().fold_all(shuffled)) == expected


def test_missed_before_its_assignment_counts_once() -> None:
    shift = uuid4()
    m, a = missed(shift, 2), assigned(shift, 2)
    r = record().fold(m).fold(a).fold(m)
    res = assess(r)
    assert res.figure("shifts_missed").value == 1
    assert res.figure("shifts_held").value == 1
    assert res.figure("presence").value == 0.0


def test_shift_changed_away_and_back() -> None:
    shift, away, back = uuid4(), uuid4(), uuid4()
    change_away = ShiftChangedFact(away, shift, ME, OTHER, at(1))
    change_back = ShiftChangedFact(back, shift, OTHER, ME, at(1))
    first = assigned(shift, 1)
    assert record().fold(first).fold(change_away).shifts_held().value == 0
    r = record().fold(change_back).fold(change_away).fold(first)
    held = r.shifts_held()
    assert held.value == 1
    assert held.sources == {first.event_id, away, back}
    # Given a shift by someone else's change: held by me.
    given = ShiftChangedFact(uuid4(), uuid4(), OTHER, ME, at(2))
    assert record().fold(given).shifts_held().value == 1


def test_every_figure_is_traceable_to_exactly_its_events() -> None:
    s, facts = season()
    by_kind: dict[str, list[DutyFact]] = {}
    for f in facts:
        by_kind.setdefault(type(f).__name__, []).append(f)
    ids = {f.event_id: f for f in facts}
    a = assess(record().fold_all(facts))

    def ev(pred: object) -> set[UUID]:
        return {i for i, f in ids.items() if pred(f)}  # type: ignore[operator]

    held_shifts = {s["on_time"], s["late"], s["missed"]}
    assert a.figure("shifts_held").sources == ev(
        lambda f: isinstance(f, ShiftAssignedFact) and f.shift_id in held_shifts
    )
    assert a.figure("shifts_kept").sources == ev(lambda f: isinstance(f, CheckedInFact))
    assert a.figure("shifts_late").sources == ev(lambda f: isinstance(f, CheckedInFact) and f.late)
    assert a.figure("shifts_missed").sources == ev(lambda f: isinstance(f, MissedFact))
    assert a.figure("handovers_written").sources == ev(lambda f: isinstance(f, HandoverFact))
    assert a.figure("presence").sources == ev(lambda f: isinstance(f, CheckedInFact | MissedFact))
    assert a.figure("duty_log").sources == ev(lambda f: isinstance(f, CheckedInFact | HandoverFact))
    assert a.figure("meeting_attendance").sources == ev(
        lambda f: isinstance(f, AttendanceFact) and f.attendance != "excused"
    )
    assert a.figure("meetings_excused").sources == ev(
        lambda f: isinstance(f, AttendanceFact) and f.attendance == "excused"
    )
    assert a.figure("conduct").sources == ev(lambda f: isinstance(f, SanctionFact))
    assert a.figure("sanctions").sources == ev(lambda f: isinstance(f, SanctionFact))
    criteria_sources = set().union(*(c.sources for c in a.criteria if c.value is not None))
    assert a.figure("total").sources == criteria_sources
    # The cancelled shift's events made no figure at all.
    cancelled = ev(lambda f: getattr(f, "shift_id", None) == s["cancelled"])
    assert not cancelled & set().union(*(f.sources for f in (*a.counts, *a.criteria, a.total)))


def test_facts_outside_the_term_or_of_others_are_ignored() -> None:
    before = ShiftAssignedFact(uuid4(), uuid4(), ME, T0 - timedelta(seconds=1))
    at_start = ShiftAssignedFact(uuid4(), uuid4(), ME, T0)
    at_end = CheckedInFact(uuid4(), uuid4(), ME, TERM.ends_at, False)
    last_term = attended("unexcused", term="2026-spring")
    other_sanction = sanction("expulsion", term="2026-spring")
    someone_else = MissedFact(uuid4(), uuid4(), OTHER, at(1))
    r = record().fold_all([before, at_start, at_end, last_term, other_sanction, someone_else])
    assert set(r.facts) == {at_start.event_id}
    a = assess(r)
    assert a.figure("shifts_held").value == 1
    assert a.figure("shifts_kept").value == 0
    assert a.figure("meeting_attendance").value is None
    assert a.figure("conduct").value == 1.0
    assert a.figure("total").value == 100.0


def test_serious_sanction_zeroes_conduct_and_warnings_add_up() -> None:
    assert record().fold(sanction("compulsory_withdrawal")).conduct().value == 0.0
    two = record().fold(sanction("verbal_warning")).fold(sanction("verbal_warning"))
    assert two.conduct().value == 0.0
    assert two.sanctions().value == 2


def test_corrected_attendance_keeps_the_latest_record() -> None:
    meeting = uuid4()
    first = AttendanceFact(uuid4(), meeting, ME, "unexcused", TERM.label, at(5))
    fixed = AttendanceFact(uuid4(), meeting, ME, "excused", TERM.label, at(6))
    for order in ([first, fixed], [fixed, first]):
        r = record().fold_all(order)
        assert r.attendance("excused").sources == {fixed.event_id}
        assert r.attendance("unexcused").value == 0


def test_weights_must_sum_to_one() -> None:
    bad = dict.fromkeys(WEIGHTS, 0.0) | {"presence": 0.5, "duty_log": 0.5, "conduct": 0.5}
    with pytest.raises(RuleBroken):
        assess(record(), bad)


def test_term_must_end_after_it_starts() -> None:
    with pytest.raises(RuleBroken):
        Term("x", T0, T0)


def test_stored_figures_leave_out_unscored_duty_criteria() -> None:
    # A member published before the duty staff's criteria existed has figures without
    # them; publishing again with nothing new must find the very same figures (200, no
    # new version), so unscored duty criteria are left out rather than stored as None.
    from services.evaluation.service.staff import stored_figures

    r = record().fold(checked_in(uuid4(), 1))
    names = {f["name"] for f in stored_figures(r)[1]}
    assert names.isdisjoint({"enquiries", "equipment", "helping", "cleaning"})
    assert {"attitude", "presence", "conduct", "total"} <= names
    scored = r.score(OfficerScore(uuid4(), "officer-1", "cleaning", 7.0))
    assert "cleaning" in {f["name"] for f in stored_figures(scored)[1]}
