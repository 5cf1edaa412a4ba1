"""The routing table reviewed like code: every route names an existing kind and a
registered event type, gives exactly its kind's declared fields, and the events the issue
names are routed (the reminder and escalation kinds are not routing's)."""

from __future__ import annotations

import pytest

from services.notifications.domain.kinds import KINDS, Category, Priority
from services.notifications.domain.routes import ROUTES, route_for
from shared.events.registry import EVENTS, spec_for_type
from tests.unit.notifications.routes_samples import SAMPLES, Sample

pytestmark = pytest.mark.unit

MUST_ROUTE = {
    # recruitment
    "campusflow.recruitment.application.submitted.v1",
    "campusflow.recruitment.interview.scheduled.v1",
    "campusflow.recruitment.applicant.admitted.v1",
    "campusflow.recruitment.applicant.waitlisted.v1",
    "campusflow.recruitment.applicant.rejected.v1",
    "campusflow.recruitment.applicant.promoted.v1",
    "campusflow.recruitment.membership.started.v1",
    "campusflow.recruitment.membership.ended.v1",
    "campusflow.recruitment.project_team.approved.v1",
    "campusflow.recruitment.project_team.rejected.v1",
    "campusflow.recruitment.pairing.created.v1",
    "campusflow.recruitment.pairing.ended.v1",
    # scheduling
    "campusflow.scheduling.shift.assigned.v1",
    "campusflow.scheduling.shift.changed.v1",
    "campusflow.scheduling.shift.cancelled.v1",
    "campusflow.scheduling.shift.offered.v1",
    "campusflow.scheduling.swap.decided.v1",
    "campusflow.scheduling.duty.missed.v1",
    "campusflow.scheduling.handover.recorded.v1",
    "campusflow.scheduling.meeting.scheduled.v1",
    "campusflow.scheduling.meeting.cancelled.v1",
    "campusflow.scheduling.leave.decided.v1",
    "campusflow.scheduling.attendance_sanction.imposed.v1",
    "campusflow.scheduling.activity.scheduled.v1",
    "campusflow.scheduling.task.due.v1",
    # evaluation
    "campusflow.evaluation.report.expected.v1",
    "campusflow.evaluation.review.assigned.v1",
    "campusflow.evaluation.similarity.flagged.v1",
    "campusflow.evaluation.integrity.decided.v1",
    "campusflow.evaluation.grade.finalised.v1",
    "campusflow.evaluation.award.granted.v1",
    "campusflow.evaluation.defense.scheduled.v1",
    "campusflow.evaluation.credits.awarded.v1",
    "campusflow.evaluation.credits.revoked.v1",
    "campusflow.evaluation.staff_assessment.published.v1",
    "campusflow.evaluation.staff_assessment.withdrawn.v1",
    "campusflow.evaluation.staff_sanction.imposed.v1",
    "campusflow.evaluation.staff_sanction.annulled.v1",
}


def test_the_events_the_issue_names_are_routed() -> None:
    assert sorted(MUST_ROUTE - ROUTES.keys()) == []


@pytest.mark.parametrize("event_type", sorted(ROUTES))
def test_every_route_names_an_existing_kind_and_a_registered_event(event_type: str) -> None:
    route = ROUTES[event_type]
    assert route.kind in KINDS
    assert spec_for_type(event_type).model is route.event
    assert route.priority is KINDS[route.kind].priority


def test_routing_leaves_reminders_escalations_and_digests_to_their_owners() -> None:
    routed_kinds = {route.kind for route in ROUTES.values()}
    for name in routed_kinds:
        assert KINDS[name].category not in (Category.REMINDERS, Category.SAFETY), name
        assert KINDS[name].priority is Priority.NORMAL


def test_each_event_type_has_at_most_one_kind_and_each_kind_one_route() -> None:
    kinds = [route.kind for route in ROUTES.values()]
    assert len(kinds) == len(set(kinds))


def test_notifications_own_events_are_never_routed() -> None:
    own = {spec.type for spec in EVENTS if spec.topic.producer == "notifications"}
    assert own and not own & ROUTES.keys()
    assert route_for("campusflow.notifications.escalation.started.v1") is None


def test_there_is_a_sample_for_every_route() -> None:
    sampled = [type(sample.event).event_type for sample in SAMPLES]
    assert sorted(sampled) == sorted(ROUTES)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: type(s.event).__name__)
def test_fields_are_exactly_the_kinds_declared_fields(sample: Sample) -> None:
    route = ROUTES[type(sample.event).event_type]
    fields = route.fields_of(sample.event, sample.facts)
    assert set(fields) == KINDS[route.kind].fields
    # With the facts known, only the optional parts of an event are absent.
    optional = {"squad", "place", "agenda", "room", "reason", "unfinished_tasks", "budget_yuan"}
    assert [name for name, value in fields.items() if value is None and name not in optional] == []
