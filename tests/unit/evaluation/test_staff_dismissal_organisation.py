"""A dismissal (辞退) names the department or corps unit the member is dismissed from, so
recruitment can end that membership; the other kinds name none. The event carries it as
optional fields: events of before, without them, still decode (no new version)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from pydantic import ValidationError

from services.evaluation.domain.officer_sanctions import DismissedFrom, dismissed_from
from services.evaluation.repository.staff import SanctionRow
from services.evaluation.schemas.staff import SanctionForm, SanctionView
from shared.events.codec import decode, encode
from shared.events.evaluation import StaffSanctionAnnulled, StaffSanctionImposed
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit
NOW = datetime(2026, 10, 20, tzinfo=UTC)


def test_a_dismissal_names_the_organisation_the_member_leaves() -> None:
    assert dismissed_from("dismissal", "department", "publicity") == DismissedFrom(
        "department", "publicity"
    )


@pytest.mark.parametrize(
    ("kind", "organisation_id", "field"),
    [(None, None, "organisation_kind"), ("department", None, "organisation_id"),
     (None, "publicity", "organisation_kind")],
)  # fmt: skip
def test_a_dismissal_without_its_organisation_is_refused_as_invalid(
    kind: str | None, organisation_id: str | None, field: str
) -> None:
    with pytest.raises(RuleBroken) as caught:
        dismissed_from("dismissal", kind, organisation_id)  # type: ignore[arg-type]
    assert (caught.value.rule, caught.value.field, caught.value.invalid) == (
        "organisation_required",
        field,
        True,
    )


@pytest.mark.parametrize("kind", ["warning", "notice_of_criticism"])
def test_only_a_dismissal_names_an_organisation(kind: str) -> None:
    assert dismissed_from(kind, None, None) is None  # type: ignore[arg-type]
    with pytest.raises(RuleBroken) as caught:
        dismissed_from(kind, "department", "publicity")  # type: ignore[arg-type]
    assert (caught.value.rule, caught.value.invalid) == ("organisation_not_for_kind", True)


def test_the_form_takes_the_organisation_and_the_view_shows_it() -> None:
    form = SanctionForm.model_validate(
        {
            "kind": "dismissal",
            "reason": "r",
            "organisation_kind": "brigade",
            "organisation_id": "b-1",
        }
    )
    assert (form.organisation_kind, form.organisation_id) == ("brigade", "b-1")
    with pytest.raises(ValidationError):
        SanctionForm.model_validate(
            {
                "kind": "dismissal",
                "reason": "r",
                "organisation_kind": "club",
                "organisation_id": "x",
            }
        )
    row = SanctionRow(
        uuid4(), "cs", "t", "m", "dismissal", "r", "o", NOW,
        organisation_kind="department", organisation_id="publicity",
    )  # fmt: skip
    view = SanctionView.of(row, officer_shown=False)
    assert (view.organisation_kind, view.organisation_id) == ("department", "publicity")


@pytest.mark.parametrize("event_class", [StaffSanctionImposed, StaffSanctionAnnulled])
def test_the_events_carry_it_and_events_of_before_still_decode(
    event_class: type[StaffSanctionImposed] | type[StaffSanctionAnnulled],
) -> None:
    common = {
        "college": "cs",
        "sanction_id": uuid4(),
        "person_id": "m",
        "term": "2026-autumn",
        "kind": "dismissal",
        "reason": "r",
    }
    if event_class is StaffSanctionImposed:
        common |= {"imposed_by": "o", "imposed_at": NOW}
    else:
        common |= {"annulled_by": "o", "annulled_at": NOW}
    event = event_class.model_validate(
        common | {"organisation_kind": "department", "organisation_id": "publicity"}
    )
    message = encode(event, source="/campusflow/evaluation", now=NOW)
    assert decode(message.headers, message.value)[1] == event
    older = json.loads(message.value)
    del older["organisation_kind"], older["organisation_id"]
    _, decoded = decode(message.headers, json.dumps(older).encode())
    assert isinstance(decoded, event_class)
    assert (decoded.organisation_kind, decoded.organisation_id) == (None, None)
