"""The school contacts' routes: second routes beside an event's main one (`routes_for`
in domain/routes.py), telling a school's contacts what volunteers do there."""

from __future__ import annotations

from typing import Any

from services.notifications.domain.route_model import Facts, Need, Route, lesson_fields, route
from shared.events import recruitment as rc
from shared.events import scheduling as sc


def _volunteer(event: sc.LessonAssigned | rc.PairingCreated, facts: Facts) -> str:
    """Whom a school knows the volunteer by: the name notifications knows, else the id."""
    return facts.volunteer_name or event.volunteer_id


# A school's contacts (the directory's `school_contact`, scoped by school) hear which
# volunteer teaches which class of theirs when, and which volunteer was paired with one
# of their pupils. A lesson's school is known by the timetable's school id and by the
# name the timetable gives it: a contact scoped by either covers it. The volunteer is left
# out (told by the main route: one event never gives one person two kinds, see the dedupe
# key in domain/delivery.py).
SCHOOL_ROUTES: tuple[Route[Any], ...] = (
    route(
        sc.LessonAssigned,
        "school_lesson_scheduled",
        lambda e, f: [c for c in f.school_contacts if c != e.volunteer_id],
        lambda e, f: {**lesson_fields(e), "volunteer": _volunteer(e, f)},
        Need.SCHOOL_CONTACTS,
        Need.VOLUNTEER_NAME,
        subject=lambda e: e.lesson_id,
    ),
    route(
        rc.PairingCreated,
        "school_pairing_created",
        lambda e, f: [c for c in f.school_contacts if c != e.volunteer_id],
        lambda e, f: {
            "school": e.school_id,
            "volunteer": _volunteer(e, f),
            "reasons": list(e.reasons),
        },
        Need.SCHOOL_CONTACTS,
        Need.VOLUNTEER_NAME,
        subject=lambda e: e.pairing_id,
    ),
)
