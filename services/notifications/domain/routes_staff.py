"""The staff assessment's routes (evaluation, 考核): a member hears of their published
assessment, of its withdrawal (nothing left to assess) and of each officer's sanction
imposed on them or annulled, never which officer (officers are not named to members).
Part of `_EVALUATION` in domain/routes.py."""

from __future__ import annotations

from typing import Any

from services.notifications.domain.route_model import Route, route
from shared.events import evaluation as ev


def _sanction(
    event: type[ev.StaffSanctionImposed] | type[ev.StaffSanctionAnnulled], kind: str
) -> Route[Any]:
    """The member sanctioned, told the sanction's kind, the reason (the sanction's, or the
    annulment's) and the term; not by whom."""
    return route(
        event,
        kind,
        lambda e, f: [e.person_id],
        lambda e, f: {"sanction": e.kind, "reason": e.reason, "term": e.term},
        subject=lambda e: e.sanction_id,
    )


STAFF_ROUTES: tuple[Route[Any], ...] = (
    route(
        ev.StaffAssessmentPublished,
        "staff_assessment_published",
        lambda e, f: [e.person_id],
        lambda e, f: {"term": e.term, "total": e.total},
        subject=lambda e: e.assessment_id,
    ),
    route(
        ev.StaffAssessmentWithdrawn,
        "staff_assessment_withdrawn",
        # The member whose published assessment no longer stands; not by whom.
        lambda e, f: [e.person_id],
        lambda e, f: {"term": e.term},
        subject=lambda e: e.assessment_id,
    ),
    _sanction(ev.StaffSanctionImposed, "staff_sanction"),
    _sanction(ev.StaffSanctionAnnulled, "staff_sanction_annulled"),
)
