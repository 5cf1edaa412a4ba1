"""From the stored facts to an assignment: the problem the service builds (conflicts of
every kind, declared ones about a person, inactive reviewers, loads already held) and
the part-solving of late arrivals and one more reviewer, judged against the raw facts
(not through the domain's conflict rule) in property tests."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.evaluation.domain.review_assignment import Shortfall
from services.evaluation.repository.review_assignments import AssignmentRow
from services.evaluation.repository.reviewers import DeclaredConflict, SeasonReviewer
from services.evaluation.repository.reviews import ReportFacts
from services.evaluation.service.assignments import build_problem, shortfall_message, solve_for

pytestmark = pytest.mark.unit

T0 = datetime(2026, 9, 20, tzinfo=UTC)


def facts(i: int, authors: tuple[str, ...], advisor: str | None = None) -> ReportFacts:
    return ReportFacts(UUID(int=i + 1), "2026-autumn", f"r{i}", authors, advisor, 1)


def member(rid: str, load: int = 10, cls: str | None = None, active: bool = True) -> SeasonReviewer:
    return SeasonReviewer(rid, load, cls, active, 0, 0)


def declared(
    reviewer: str, *, report: UUID | None = None, person: str | None = None
) -> DeclaredConflict:
    return DeclaredConflict(uuid4(), reviewer, report, person, "亲属", reviewer, T0)


def test_every_kind_of_conflict_enters_the_problem() -> None:
    reports = [
        facts(0, ("s0", "v0")),
        facts(1, ("s1",), "v1"),
        facts(2, ("s2",)),
        facts(3, ("s3",)),
    ]
    problem = build_problem(
        reports=reports,
        reviewers=[member("v0"), member("v1"), member("v2", cls="k1"), member("v3")],
        conflicts=[declared("v3", person="s2"), declared("v3", report=reports[3].report_id)],
        classes={"s1": frozenset({"k1"}), "s3": frozenset({"k9"})},
        existing=[],
        min_reviewers=1,
    )
    by_id = {r.report_id: r for r in problem.reports}
    assert by_id[str(reports[0].report_id)].member_ids == {"s0", "v0"}
    assert by_id[str(reports[1].report_id)].advisor_id == "v1"
    assert by_id[str(reports[1].report_id)].class_ids == {"k1"}
    v3 = next(r for r in problem.reviewers if r.reviewer_id == "v3")
    assert v3.conflict_report_ids == {str(reports[2].report_id), str(reports[3].report_id)}
    result, check = solve_for(problem, {r.report_id for r in problem.reports}, 1)
    got = {(a.report_id, a.reviewer_id) for a in result.new_assignments}
    for report, reviewer in ((0, "v0"), (1, "v1"), (1, "v2"), (2, "v3"), (3, "v3")):
        assert (str(reports[report].report_id), reviewer) not in got
    assert check.below_minimum == ()


def test_inactive_and_lowered_loads_keep_what_they_hold_and_get_nothing_new() -> None:
    reports = [facts(i, (f"s{i}",)) for i in range(3)]
    held = [AssignmentRow(reports[0].report_id, "v0", "initial", T0)]
    held += [AssignmentRow(reports[i].report_id, "v1", "initial", T0) for i in range(2)]
    problem = build_problem(
        reports=reports,
        reviewers=[member("v0", active=False), member("v1", load=1), member("v2")],
        conflicts=[],
        classes={},
        existing=held,
        min_reviewers=2,
    )
    limits = {r.reviewer_id: r.load_limit for r in problem.reviewers}
    assert limits == {"v0": 1, "v1": 2, "v2": 10}
    result, _ = solve_for(problem, {r.report_id for r in problem.reports}, 2)
    assert {a.reviewer_id for a in result.new_assignments} == {"v2"}
    assert [s.missing for s in result.shortfalls] == [1]  # report 2 has only v2 left


def test_the_refusal_names_the_reports_short_and_the_total() -> None:
    short = [Shortfall(f"r{i}", 1 + i % 2) for i in range(25)]
    message = shortfall_message(short)
    assert message.startswith("37 reviewer(s) short over 25 report(s)")
    assert "r0 needs 1 more" in message and "r19 needs 2 more" in message
    assert "r20" not in message and message.endswith("and 5 more reports")


@st.composite
def seasons(
    draw: st.DrawFn,
) -> tuple[
    list[ReportFacts], list[SeasonReviewer], list[DeclaredConflict], dict[str, frozenset[str]]
]:
    n_rev, n_rep = draw(st.integers(1, 7)), draw(st.integers(1, 9))
    reviewer_ids = [f"v{i}" for i in range(n_rev)]
    students = [f"s{i}" for i in range(6)]
    people = reviewer_ids + students
    classes = ["k0", "k1", "k2"]
    reports = [
        facts(
            j,
            tuple(sorted(set(draw(st.lists(st.sampled_from(people), min_size=1, max_size=3))))),
            draw(st.sampled_from([None, *reviewer_ids])),
        )
        for j in range(n_rep)
    ]
    reviewers = [
        member(
            v,
            load=draw(st.integers(0, 5)),
            cls=draw(st.sampled_from([None, *classes])),
            active=draw(st.booleans()),
        )
        for v in reviewer_ids
    ]
    conflicts = [
        declared(
            draw(st.sampled_from(reviewer_ids)), report=draw(st.sampled_from(reports)).report_id
        )
        for _ in range(draw(st.integers(0, 3)))
    ] + [
        declared(draw(st.sampled_from(reviewer_ids)), person=draw(st.sampled_from(students)))
        for _ in range(draw(st.integers(0, 2)))
    ]
    roster = {s: frozenset(draw(st.lists(st.sampled_from(classes), max_size=1))) for s in people}
    return reports, reviewers, conflicts, roster


def forbidden(
    report: ReportFacts,
    reviewer: SeasonReviewer,
    conflicts: list[DeclaredConflict],
    roster: dict[str, frozenset[str]],
) -> bool:
    """The issue's conflict rule, straight from the facts."""
    if reviewer.reviewer_id in report.author_ids or reviewer.reviewer_id == report.advisor_id:
        return True
    for c in conflicts:
        if c.reviewer_id == reviewer.reviewer_id and (
            c.report_id == report.report_id or c.person_id in report.author_ids
        ):
            return True
    return reviewer.class_id is not None and any(
        reviewer.class_id in roster.get(p, frozenset()) for p in report.author_ids
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seasons(), st.integers(1, 3), st.integers(0, 9))
def test_property_a_run_then_late_arrivals_never_break_a_rule(
    season: tuple[
        list[ReportFacts], list[SeasonReviewer], list[DeclaredConflict], dict[str, frozenset[str]]
    ],
    minimum: int,
    cut: int,
) -> None:
    reports, reviewers, conflicts, roster = season
    first, late = reports[: min(cut, len(reports))], reports[min(cut, len(reports)) :]
    whole = build_problem(
        reports=first,
        reviewers=reviewers,
        conflicts=conflicts,
        classes=roster,
        existing=[],
        min_reviewers=minimum,
    )
    result, _ = solve_for(whole, {r.report_id for r in whole.reports}, minimum)
    held = [
        AssignmentRow(UUID(a.report_id), a.reviewer_id, "initial", T0) for a in result.assignments
    ]
    for arriving in late:  # one by one, as assign_on_arrival does
        arrived = reports[: reports.index(arriving) + 1]
        whole = build_problem(
            reports=arrived,
            reviewers=reviewers,
            conflicts=conflicts,
            classes=roster,
            existing=held,
            min_reviewers=minimum,
        )
        part, _ = solve_for(whole, {str(arriving.report_id)}, minimum)
        assert set(whole.existing) <= set(part.assignments)  # nothing moved
        assert {a.report_id for a in part.new_assignments} <= {str(arriving.report_id)}
        held += [
            AssignmentRow(UUID(a.report_id), a.reviewer_id, "late_arrival", T0)
            for a in part.new_assignments
        ]

    by_report = {str(r.report_id): r for r in reports}
    by_reviewer = {r.reviewer_id: r for r in reviewers}
    pairs = [(str(a.report_id), a.reviewer_id) for a in held]
    assert len(pairs) == len(set(pairs))
    for report_id, reviewer_id in pairs:
        assert not forbidden(by_report[report_id], by_reviewer[reviewer_id], conflicts, roster)
    loads = Counter(reviewer_id for _, reviewer_id in pairs)
    for r in reviewers:
        assert loads[r.reviewer_id] <= (r.load if r.active else 0)
    # Each report got the minimum, or every eligible reviewer with spare load is taken.
    for report_id, report in by_report.items():
        mine = {v for rid, v in pairs if rid == report_id}
        if len(mine) < minimum:
            for r in reviewers:
                spare = r.active and loads[r.reviewer_id] < r.load
                assert not spare or r.reviewer_id in mine or forbidden(report, r, conflicts, roster)
