"""A school's contacts (the directory's `school_contact`) hear what volunteers do at their
school: which volunteer teaches which class when (LessonAssigned), and which volunteer
was paired with one of their pupils (PairingCreated). These are second routes of the
event types, beside the volunteer's own, with kinds of their own."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest

from services.notifications.domain.kinds import KINDS, Category, Priority
from services.notifications.domain.route_model import NO_FACTS, Facts, Need, route_event
from services.notifications.domain.routes import ALSO, ROUTES, route_for, routes_for
from services.notifications.domain.sms_templates import SMS_TEMPLATES
from services.notifications.domain.templating import render_builtin
from shared.events import recruitment as rc
from shared.events import scheduling as sc
from shared.events.registry import spec_for_type
from tests.unit.notifications.routes_samples import ID, T0, T1

pytestmark = pytest.mark.unit

LESSON = sc.LessonAssigned(
    college="cs",
    lesson_id=ID,
    timetable_id=uuid4(),
    volunteer_id="s-teach",
    school="岳西县希望小学",
    class_name="三年级一班",
    subject="英语",
    room="",
    starts_at=T0,
    ends_at=T1,
)
PAIRING = rc.PairingCreated(
    college="cs",
    pairing_id=ID,
    beneficiary_id=uuid4(),
    volunteer_id="s-v",
    school_id="school-1",
    reasons=["数学"],
    created_at=T0,
)
CONTACTS = Facts(school_contacts=("sc-wang", "sc-li"), volunteer_name="李雷")


def _school_route(event_type: str):  # type: ignore[no-untyped-def]
    main, *also = routes_for(event_type)
    assert main is route_for(event_type) is ROUTES[event_type]
    [school] = also
    return school


def test_a_lesson_tells_the_volunteer_and_the_schools_contacts() -> None:
    main = route_for(LESSON.event_type)
    assert main is not None and route_event(main, LESSON, CONTACTS).recipients == ["s-teach"]
    routed = route_event(_school_route(LESSON.event_type), LESSON, CONTACTS)
    assert routed.kind == "school_lesson_scheduled"
    assert routed.recipients == ["sc-wang", "sc-li"]
    assert routed.subject_id == str(ID)
    assert routed.fields == {
        "school": "岳西县希望小学",
        "class_name": "三年级一班",
        "subject": "英语",
        "room": None,
        "starts_at": T0,
        "ends_at": T1,
        "volunteer": "李雷",
    }


def test_a_pairing_tells_the_schools_contacts_who_helps_one_of_their_pupils() -> None:
    routed = route_event(_school_route(PAIRING.event_type), PAIRING, CONTACTS)
    assert routed.kind == "school_pairing_created"
    assert routed.recipients == ["sc-wang", "sc-li"]
    assert routed.fields == {"school": "school-1", "volunteer": "李雷", "reasons": ["数学"]}


def test_a_school_without_contacts_hears_nothing_and_a_nameless_volunteer_is_their_id() -> None:
    for event in (LESSON, PAIRING):
        assert route_event(_school_route(event.event_type), event, NO_FACTS).recipients == []
    # A volunteer who is also the school's contact hears once, by the main route.
    also_volunteer = Facts(school_contacts=("s-teach", "sc-wang"))
    assert route_event(_school_route(LESSON.event_type), LESSON, also_volunteer).recipients == [
        "sc-wang"
    ]
    only_contacts = Facts(school_contacts=("sc-wang",))
    routed = route_event(_school_route(LESSON.event_type), LESSON, only_contacts)
    assert routed.fields["volunteer"] == "s-teach"


def test_the_second_routes_are_sound() -> None:
    assert set(ALSO) == {LESSON.event_type, PAIRING.event_type}
    kinds = [route.kind for routes in ALSO.values() for route in routes]
    assert not set(kinds) & {route.kind for route in ROUTES.values()}  # kinds of their own
    for event_type, routes in ALSO.items():
        for route in routes:
            assert spec_for_type(event_type).model is route.event
            kind = KINDS[route.kind]
            assert kind.priority is Priority.NORMAL
            assert kind.category in (Category.TEACHING, Category.PAIRING)
            assert Need.SCHOOL_CONTACTS in route.needs
            assert route.kind in SMS_TEMPLATES
    assert routes_for("campusflow.notifications.escalation.started.v1") == ()


@pytest.mark.parametrize("event", [LESSON, PAIRING], ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_each_school_notice_words_itself(event: rc.PairingCreated, locale: str) -> None:
    routed = route_event(_school_route(event.event_type), event, CONTACTS)
    stored = json.loads(json.dumps(routed.fields, default=str, ensure_ascii=False))
    rendered = render_builtin(KINDS[routed.kind], locale, stored)
    assert "李雷" in rendered.body
    if event is LESSON:
        assert "三年级一班" in rendered.title + rendered.body
        assert "英语" in rendered.body
