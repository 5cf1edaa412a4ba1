"""Who each event tells, and with what: recipients per event from the event and the read
models' facts; nobody when the facts are not known yet; the notice's subject; and every
routed sample words itself with the built-in templates in both languages."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest

from services.notifications.domain.kinds import KINDS
from services.notifications.domain.route_model import NO_FACTS, Facts, route_event
from services.notifications.domain.routes import ROUTES
from services.notifications.domain.templating import render_builtin
from shared.events import evaluation as ev
from shared.events import recruitment as rc
from shared.events import scheduling as sc
from tests.unit.notifications.routes_samples import ID, SAMPLES, T0, T1, TEAM, Sample

pytestmark = pytest.mark.unit


def _name(sample: Sample) -> str:
    return type(sample.event).__name__


@pytest.mark.parametrize("sample", SAMPLES, ids=_name)
def test_each_event_tells_the_people_it_concerns_once(sample: Sample) -> None:
    routed = route_event(ROUTES[type(sample.event).event_type], sample.event, sample.facts)
    assert routed.recipients == sample.told
    assert routed.subject_id == sample.subject


@pytest.mark.parametrize("sample", SAMPLES, ids=_name)
def test_each_routed_event_words_itself_in_both_languages(sample: Sample) -> None:
    routed = route_event(ROUTES[type(sample.event).event_type], sample.event, sample.facts)
    stored = json.loads(json.dumps(routed.fields, default=str, ensure_ascii=False))
    for locale in ("zh-CN", "en"):
        rendered = render_builtin(KINDS[routed.kind], locale, stored)
        assert rendered.title and rendered.body


def test_an_application_names_the_campaign_by_title_else_by_what_notifications_knows() -> None:
    route = ROUTES[rc.ApplicationSubmitted.event_type]
    event = rc.ApplicationSubmitted(
        college="cs",
        application_id=ID,
        campaign_id="summer",
        applicant_id="s",
        applicant_name="李明",
        submitted_at=T0,
    )
    assert route.fields_of(event, NO_FACTS)["campaign"] == "summer"
    assert route.fields_of(event, Facts(campaign_title="暑期支教"))["campaign"] == "暑期支教"
    titled = event.model_copy(update={"campaign_title": "一帮一"})
    assert route.fields_of(titled, Facts(campaign_title="暑期支教"))["campaign"] == "一帮一"
    assert route.fields_of(event, NO_FACTS)["applicant_name"] == "李明"


def test_a_team_decision_for_a_team_not_known_yet_tells_nobody() -> None:
    event = rc.ProjectTeamApproved(
        college="cs", team_id=ID, season="2026", project_class="II", approved_at=T0
    )
    routed = route_event(ROUTES[event.event_type], event, NO_FACTS)
    assert routed.recipients == []
    assert routed.fields == {"title": None, "project_class": "II", "budget_yuan": None}
    told = route_event(ROUTES[event.event_type], event, Facts(team=TEAM))
    assert told.fields["title"] == TEAM.title


def test_a_handover_with_no_next_shift_known_tells_nobody() -> None:
    event = sc.HandoverRecorded(
        college="cs",
        handover_id=uuid4(),
        shift_id=uuid4(),
        person_id="s-d",
        post="值班室",
        recorded_at=T1,
    )
    routed = route_event(ROUTES[event.event_type], event, NO_FACTS)
    assert routed.recipients == []
    assert routed.fields["unfinished_tasks"] is None


def test_a_cancelled_meeting_not_known_names_no_title_and_nobody() -> None:
    event = sc.MeetingCancelled(college="cs", meeting_id=ID, reason="冲突")
    routed = route_event(ROUTES[event.event_type], event, NO_FACTS)
    assert routed.recipients == [] and routed.fields == {"title": None, "starts_at": None}


def test_a_similarity_flag_goes_to_the_directory_chair_only() -> None:
    event = ev.SimilarityFlagged(
        college="cs",
        report_id=ID,
        season="2026",
        version=2,
        containment=0.7,
        threshold=0.5,
        sources=[],
        flagged_at=T0,
    )
    routed = route_event(ROUTES[event.event_type], event, Facts(committee_chairs=("c1", "c2")))
    assert routed.recipients == ["c1", "c2"]
    assert route_event(ROUTES[event.event_type], event, NO_FACTS).recipients == []


def test_a_task_with_no_assignee_tells_nobody() -> None:
    event = sc.TaskDue(
        college="cs",
        task_id=ID,
        activity_id=uuid4(),
        department_id="d",
        title="采购",
        due_at=T0,
    )
    routed = route_event(ROUTES[event.event_type], event, Facts(activity_title="晚会"))
    assert routed.recipients == [] and routed.fields["activity"] == "晚会"


def test_a_route_handed_another_event_class_is_a_bug() -> None:
    event = sc.MeetingCancelled(college="cs", meeting_id=ID, reason="冲突")
    with pytest.raises(TypeError):
        ROUTES[sc.LeaveDecided.event_type].recipients_of(event, NO_FACTS)
