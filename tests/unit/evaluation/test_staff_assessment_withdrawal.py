"""Withdrawing a published staff assessment (考核): a member whose only record went away (a
dismissal since annulled, facts no longer in the term's window) gets a withdrawn version in
place of the one published, once; a record that appears again gives a normal version; a
member never published with nothing to assess is still refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from services.evaluation.domain.assessment_versions import has_record, publishing_step
from services.evaluation.domain.duty_facts import CheckedInFact
from services.evaluation.domain.officer_sanctions import OfficerSanction
from services.evaluation.domain.staff_assessment import DutyRecord, OfficerScore, Term
from services.evaluation.repository.staff import AssessmentRow
from services.evaluation.schemas.staff import AssessmentView
from services.evaluation.service.staff import stored_figures
from shared.events.codec import decode, encode
from shared.events.evaluation import StaffAssessmentWithdrawn
from shared.events.registry import spec_for_model
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit

ME = "p-me"
T0 = datetime(2026, 9, 1, tzinfo=UTC)
TERM = Term("2026-autumn", T0, datetime(2027, 1, 20, tzinfo=UTC))


@dataclass(frozen=True)
class Version:
    figures: list[dict[str, Any]] = field(default_factory=list)
    withdrawn: bool = False


def dismissal() -> OfficerSanction:
    return OfficerSanction(uuid4(), "officer-1", "dismissal", "值班期间擅自离岗", T0)


def step(record: DutyRecord, latest: Version | None) -> str:
    total, figures = stored_figures(record)
    return publishing_step(
        assessable=has_record(record, total),
        figures=figures,
        latest=latest,
        person_id=ME,
        term=TERM.label,
    )


def test_a_dismissal_annulled_withdraws_the_version_built_on_it() -> None:
    sanction = dismissal()
    dismissed = DutyRecord(ME, TERM).sanction(sanction)
    total, figures = stored_figures(dismissed)
    assert total == 0.0 and has_record(dismissed, total)
    published = Version(figures)
    annulled = DutyRecord(ME, TERM).sanction(
        sanction.annul(person_id=ME, by="officer-2", reason="经核实系误记", at=T0)
    )
    assert not has_record(annulled, stored_figures(annulled)[0])
    assert step(annulled, published) == "withdraw"


def test_still_nothing_after_a_withdrawal_is_unchanged() -> None:
    assert step(DutyRecord(ME, TERM), Version(withdrawn=True)) == "unchanged"


def test_facts_gone_from_the_window_withdraw_too() -> None:
    kept = CheckedInFact(uuid4(), uuid4(), ME, T0 + timedelta(days=1), False)
    record = DutyRecord(ME, TERM).fold(kept)
    published = Version(stored_figures(record)[1])
    moved = Term(TERM.label, T0 + timedelta(days=30), TERM.ends_at)
    assert step(DutyRecord(ME, moved).fold(kept), published) == "withdraw"


def test_a_record_after_a_withdrawal_is_a_normal_version() -> None:
    scored = DutyRecord(ME, TERM).score(OfficerScore(uuid4(), "officer-1", "attitude", 8.0))
    assert step(scored, Version(withdrawn=True)) == "publish"


def test_nothing_to_assess_and_never_published_is_refused() -> None:
    with pytest.raises(RuleBroken) as refused:
        step(DutyRecord(ME, TERM), None)
    assert (refused.value.rule, refused.value.field) == ("nothing_to_assess", "person_id")


def test_the_same_figures_are_unchanged_and_new_ones_a_new_version() -> None:
    scored = DutyRecord(ME, TERM).score(OfficerScore(uuid4(), "officer-1", "attitude", 8.0))
    latest = Version(stored_figures(scored)[1])
    assert step(scored, latest) == "unchanged"
    assert step(scored.sanction(dismissal()), latest) == "publish"
    assert step(scored, None) == "publish"


def test_a_withdrawn_version_shows_no_total_and_no_figures() -> None:
    row = AssessmentRow(uuid4(), "cs", ME, TERM.label, 3, None, [], "officer-1", T0, True)
    view = AssessmentView.of(row).model_dump()
    assert (view["withdrawn"], view["total"], view["figures"], view["version"]) == (
        True,
        None,
        [],
        3,
    )
    assert (view["published_by"], view["published_at"]) == ("officer-1", T0)


def test_the_withdrawal_event_is_keyed_by_the_member_on_the_assessments_topic() -> None:
    event = StaffAssessmentWithdrawn(
        college="cs",
        assessment_id=uuid4(),
        person_id=ME,
        term=TERM.label,
        version=3,
        withdrawn_at=T0,
    )
    spec = spec_for_model(StaffAssessmentWithdrawn)
    assert spec.type == "campusflow.evaluation.staff_assessment.withdrawn.v1"
    assert spec.topic.name == "campusflow.evaluation.staff-assessments"
    message = encode(event, source="/campusflow/evaluation", now=T0)
    assert message.key == ME.encode()
    assert decode(message.headers, message.value)[1] == event
