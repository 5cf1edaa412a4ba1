"""Who sees what of a report's reviews (capability 4), rule by rule and as a property."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.evaluation.repository.review_assignments import AssignmentRow
from services.evaluation.repository.reviews import ReviewRow
from services.evaluation.service.reviews import ReportReviews, ViewerKind, visible_reviews

pytestmark = pytest.mark.unit

REPORT = uuid4()
T0 = datetime(2026, 10, 1, tzinfo=UTC)


def review(reviewer: str, minutes: int, score: float, comment: str = "") -> ReviewRow:
    at = T0 + timedelta(minutes=minutes)
    return ReviewRow(REPORT, reviewer, {"a": score}, score, comment or f"by {reviewer}", at, at)


ASSIGNED = [AssignmentRow(REPORT, v, "initial", T0) for v in ("v1", "v2", "v3")]
REVIEWS = [review("v2", 5, 80), review("v1", 9, 60)]


def seen_by(
    viewer: ViewerKind,
    viewer_id: str,
    *,
    grade_final: bool = False,
    reviews: list[ReviewRow] = REVIEWS,
    assigned: list[AssignmentRow] = ASSIGNED,
) -> ReportReviews:
    return visible_reviews(
        report_id=REPORT,
        viewer=viewer,
        viewer_id=viewer_id,
        reviews=reviews,
        assigned=assigned,
        grade_final=grade_final,
    )


def test_the_chair_and_a_teacher_see_everything_with_identities() -> None:
    for viewer in ("chair", "teacher"):
        seen = seen_by(viewer, "x")
        assert [(r.reviewer_id, r.label, r.score) for r in seen.reviews] == [
            ("v2", "reviewer 1", 80),
            ("v1", "reviewer 2", 60),
        ]
        assert len(seen.assigned) == 3 and seen.others_visible


def test_a_reviewer_sees_nothing_before_their_own_and_no_identities_after() -> None:
    before = seen_by("reviewer", "v3")
    assert before.reviews == () and before.others_visible is False and before.assigned == ()
    after = seen_by("reviewer", "v1")
    assert [(r.reviewer_id, r.label, r.score) for r in after.reviews] == [
        ("v1", "mine", 60),
        (None, "reviewer 1", 80),
    ]
    assert after.assigned == ()


def test_an_author_sees_only_comments_and_only_after_the_final_grade() -> None:
    pending = seen_by("author", "s1")
    assert pending.reviews == () and pending.grade_final is False
    final = seen_by("author", "s1", grade_final=True)
    assert [
        (r.reviewer_id, r.scores, r.score, r.submitted_at, r.comment) for r in final.reviews
    ] == [
        (None, None, None, None, "by v2"),
        (None, None, None, None, "by v1"),
    ]
    assert final.assigned == ()


reviews_strategy = st.lists(
    st.builds(
        review,
        st.sampled_from(["v1", "v2", "v3", "v4"]),
        st.integers(0, 100),
        st.floats(0, 100),
    ),
    max_size=4,
    unique_by=lambda r: r.reviewer_id,
)


@given(reviews_strategy, st.sampled_from(["v1", "v2", "v3", "v4"]), st.booleans())
def test_property_no_identity_or_score_leaks(
    reviews: list[ReviewRow], me: str, final: bool
) -> None:
    as_author = seen_by("author", "s1", grade_final=final, reviews=reviews)
    assert all(
        r.reviewer_id is None and r.scores is None and r.score is None for r in as_author.reviews
    )
    assert len(as_author.reviews) == (len(reviews) if final else 0)
    as_reviewer = seen_by("reviewer", me, grade_final=final, reviews=reviews)
    submitted = any(r.reviewer_id == me for r in reviews)
    assert len(as_reviewer.reviews) == (len(reviews) if submitted else 0)
    assert {r.reviewer_id for r in as_reviewer.reviews} <= {me, None}
    assert [r.label for r in as_reviewer.reviews].count("mine") == int(submitted)


def test_a_withdrawn_review_is_shown_marked_to_the_chair_and_a_teacher_only() -> None:
    at = [T0 + timedelta(minutes=m) for m in range(3)]
    withdrawn = ReviewRow(REPORT, "gone", {"a": 70.0}, 70.0, "by gone", at[0], at[0], at[0])
    reviews = [withdrawn, review("v1", 1, 70), review("v2", 2, 70)]
    viewers: tuple[ViewerKind, ...] = ("chair", "teacher")
    for viewer in viewers:
        seen = seen_by(viewer, "x", reviews=reviews)
        assert [(r.reviewer_id, r.withdrawn_at is not None) for r in seen.reviews] == [
            ("gone", True),
            ("v1", False),
            ("v2", False),
        ]
    by_v2 = seen_by("reviewer", "v2", reviews=reviews)
    assert [(r.label, r.comment) for r in by_v2.reviews] == [
        ("mine", "by v2"),
        ("reviewer 1", "by v1"),
    ]
    by_author = seen_by("author", "s", reviews=reviews, grade_final=True)
    assert [r.comment for r in by_author.reviews] == ["by v1", "by v2"]
