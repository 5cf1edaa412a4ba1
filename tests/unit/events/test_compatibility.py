"""The contracts stay compatible with the released ones; every kind of break is named.

The first test is the CI gate: the document generated from shared/events against
`docs/asyncapi.released.yaml`. The others edit a copy of the released document the way
a change to a model would render, and check the exact sentence that is reported.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from shared.events import asyncapi as asyncapi_module
from shared.events.asyncapi import RELEASED_PATH, build_document, load_released, render_released
from shared.events.compatibility import breaking_changes
from tools.cli.main import app

pytestmark = pytest.mark.unit

OPENED = "RecruitmentCampaignOpenedV1"
OPENED_TYPE = "campusflow.recruitment.campaign.opened.v1"
IMPOSED = "EvaluationStaff_sanctionImposedV1"
IMPOSED_TYPE = "campusflow.evaluation.staff_sanction.imposed.v1"
ADVICE = "add a .v2 type instead"

Document = dict[str, Any]


@pytest.fixture(scope="module")
def released() -> Document:
    return load_released()


def payload(document: Document, message: str) -> dict[str, Any]:
    schema: dict[str, Any] = document["components"]["messages"][message]["payload"]
    return schema


def edited(released: Document, edit: Callable[[Document], None]) -> list[str]:
    """The breaks of the released document by a copy of it that `edit` changed."""
    current = copy.deepcopy(released)
    edit(current)
    return breaking_changes(released, current)


def test_the_current_contracts_are_compatible_with_the_released_ones(released: Document) -> None:
    breaks = breaking_changes(released, build_document())
    assert breaks == [], (
        f"the event contracts break {RELEASED_PATH.name}:\n"
        + "\n".join(breaks)
        + "\nfields are only ever added as optional; a breaking change is a new .vN type"
    )


def test_the_released_document_is_its_own_baseline(released: Document) -> None:
    assert breaking_changes(released, copy.deepcopy(released)) == []


def test_released_document_was_written_by_release() -> None:
    # What `--release` would write has the same header; the body is an older document.
    header = render_released().split("asyncapi:", 1)[0]
    assert RELEASED_PATH.read_text("utf-8").startswith(header)


# ---- the command line ----


def baseline_at(monkeypatch: pytest.MonkeyPatch, path: Path, document: Document) -> None:
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), "utf-8")
    monkeypatch.setattr(asyncapi_module, "RELEASED_PATH", path)


def test_check_compatible_exits_0_when_nothing_breaks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, released: Document
) -> None:
    baseline_at(monkeypatch, tmp_path / "released.yaml", released)
    result = CliRunner().invoke(app, ["asyncapi", "--check-compatible"])
    assert result.exit_code == 0, result.output
    assert "compatible with released.yaml" in result.output


def test_check_compatible_exits_1_listing_the_breaks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, released: Document
) -> None:
    baseline = copy.deepcopy(released)
    payload(baseline, IMPOSED)["properties"]["kind"]["enum"].remove("dismissal")
    baseline_at(monkeypatch, tmp_path / "released.yaml", baseline)
    result = CliRunner().invoke(app, ["asyncapi", "--check-compatible"])
    assert result.exit_code == 1
    assert (
        f"{IMPOSED_TYPE}: field `kind`: value(s) `dismissal` added "
        f"(strict consumers refuse them) — {ADVICE}"
    ) in result.output
    assert "1 breaking change(s) against released.yaml" in result.output


def test_release_writes_the_baseline_after_the_check_passes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, released: Document
) -> None:
    path = tmp_path / "released.yaml"
    baseline_at(monkeypatch, path, released)
    result = CliRunner().invoke(app, ["asyncapi", "--release"])
    assert result.exit_code == 0, result.output
    assert path.read_text("utf-8") == render_released()


def test_release_refuses_a_break_and_keeps_the_baseline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, released: Document
) -> None:
    baseline = copy.deepcopy(released)
    del payload(baseline, OPENED)["properties"]["applications_open_at"]["anyOf"][1]
    path = tmp_path / "released.yaml"
    baseline_at(monkeypatch, path, baseline)
    before = path.read_text("utf-8")
    result = CliRunner().invoke(app, ["asyncapi", "--release"])
    assert result.exit_code == 1
    assert f"{OPENED_TYPE}: field `applications_open_at` changed type" in result.output
    assert path.read_text("utf-8") == before


# ---- allowed changes ----


def test_a_new_event_type_is_fine(released: Document) -> None:
    def add_type(document: Document) -> None:
        messages = document["components"]["messages"]
        new = copy.deepcopy(messages[OPENED])
        new["name"] = "campusflow.recruitment.campaign.reopened.v1"
        messages["RecruitmentCampaignReopenedV1"] = new
        channel = document["channels"]["campusflow_recruitment_campaigns"]
        channel["messages"]["RecruitmentCampaignReopenedV1"] = {
            "$ref": "#/components/messages/RecruitmentCampaignReopenedV1"
        }

    assert edited(released, add_type) == []


def test_a_new_optional_field_is_fine(released: Document) -> None:
    def add_optional(document: Document) -> None:
        payload(document, IMPOSED)["properties"]["appeal_id"] = {
            "anyOf": [{"type": "string", "format": "uuid"}, {"type": "null"}],
            "default": None,
            "title": "Appeal Id",
        }
        schema = document["components"]["schemas"]["CampaignPosition"]
        schema["properties"]["note"] = {"type": "string", "default": "", "title": "Note"}

    assert edited(released, add_optional) == []


def test_documentation_and_defaults_are_not_compared(released: Document) -> None:
    def reword(document: Document) -> None:
        schema = payload(document, OPENED)
        schema["description"] = "Reworded."
        schema["properties"]["title"]["title"] = "Campaign title"
        schema["properties"]["applications_open_at"]["default"] = "2026-01-01T00:00:00Z"

    assert edited(released, reword) == []


def test_a_nested_model_renamed_with_the_same_fields_is_fine(released: Document) -> None:
    def rename(document: Document) -> None:
        schemas = document["components"]["schemas"]
        schemas["Position"] = schemas.pop("CampaignPosition")
        payload(document, OPENED)["properties"]["positions"]["items"] = {
            "$ref": "#/components/schemas/Position"
        }

    assert edited(released, rename) == []


# ---- breaks ----


def test_an_event_type_removed_is_reported(released: Document) -> None:
    def remove(document: Document) -> None:
        del document["components"]["messages"][IMPOSED]
        channel = document["channels"]["campusflow_evaluation_staff-assessments"]
        del channel["messages"][IMPOSED]

    assert edited(released, remove) == [
        f"{IMPOSED_TYPE}: event type removed (was on topic "
        "campusflow.evaluation.staff-assessments) — keep it registered: consumers built on "
        "the release still read it"
    ]


def test_a_topic_removed_is_reported_for_each_of_its_events(released: Document) -> None:
    channel = "campusflow_evaluation_staff-assessments"

    def remove(document: Document) -> None:
        del document["channels"][channel]

    breaks = edited(released, remove)
    # Every event type the released staff-assessments topic carries (the assessment, the
    # officers' sanctions...), each once.
    carried = [
        released["components"]["messages"][ref["$ref"].rsplit("/", 1)[-1]]["name"]
        for ref in released["channels"][channel]["messages"].values()
    ]
    assert {IMPOSED_TYPE, "campusflow.evaluation.staff_assessment.published.v1"} <= set(carried)
    assert sorted(breaks) == sorted(
        f"{event_type}: no topic carries it any more (was "
        f"campusflow.evaluation.staff-assessments) — {ADVICE}"
        for event_type in carried
    )


def test_a_topic_changed_is_reported(released: Document) -> None:
    def move(document: Document) -> None:
        channel = document["channels"]["campusflow_evaluation_staff-assessments"]
        del channel["messages"][IMPOSED]
        document["channels"]["campusflow_evaluation_reports"]["messages"][IMPOSED] = {
            "$ref": f"#/components/messages/{IMPOSED}"
        }

    assert edited(released, move) == [
        f"{IMPOSED_TYPE}: topic changed from campusflow.evaluation.staff-assessments "
        f"to campusflow.evaluation.reports — {ADVICE}"
    ]


def test_a_message_key_changed_is_reported(released: Document) -> None:
    def rekey(document: Document) -> None:
        key = document["components"]["messages"][IMPOSED]["bindings"]["kafka"]["key"]
        key["description"] = "sanction_id"

    assert edited(released, rekey) == [
        f"{IMPOSED_TYPE}: message key changed from `person_id` to `sanction_id` — {ADVICE}"
    ]


@pytest.mark.parametrize("change", [+3, -2])
def test_a_partition_count_changed_is_reported(released: Document, change: int) -> None:
    channel = "campusflow_evaluation_staff-assessments"
    was = released["channels"][channel]["bindings"]["kafka"]["partitions"]

    def repartition(document: Document) -> None:
        document["channels"][channel]["bindings"]["kafka"]["partitions"] = was + change

    assert edited(released, repartition) == [
        f"topic campusflow.evaluation.staff-assessments: partitions changed from {was} to"
        f" {was + change} — the order of each key's events would not hold across the change;"
        " a new topic instead"
    ]


def test_a_field_removed_is_reported(released: Document) -> None:
    def remove(document: Document) -> None:
        schema = payload(document, IMPOSED)
        del schema["properties"]["reason"]
        schema["required"].remove("reason")

    assert edited(released, remove) == [f"{IMPOSED_TYPE}: field `reason` removed — {ADVICE}"]


def test_a_field_renamed_is_reported_as_removed_and_added(released: Document) -> None:
    def rename(document: Document) -> None:
        schema = payload(document, IMPOSED)
        schema["properties"]["why"] = schema["properties"].pop("reason")
        schema["required"] = ["why" if f == "reason" else f for f in schema["required"]]

    assert edited(released, rename) == [
        f"{IMPOSED_TYPE}: field `reason` removed — {ADVICE}",
        f"{IMPOSED_TYPE}: field `why` added as required (new fields must be optional) — {ADVICE}",
    ]


def test_an_optional_field_made_required_is_reported(released: Document) -> None:
    def require(document: Document) -> None:
        payload(document, OPENED)["required"].append("applications_open_at")

    assert edited(released, require) == [
        f"{OPENED_TYPE}: field `applications_open_at` is now required (it was optional) — {ADVICE}"
    ]


def test_a_new_required_field_is_reported(released: Document) -> None:
    def add_required(document: Document) -> None:
        schema = payload(document, IMPOSED)
        schema["properties"]["severity"] = {"type": "integer", "title": "Severity"}
        schema["required"].append("severity")

    assert edited(released, add_required) == [
        f"{IMPOSED_TYPE}: field `severity` added as required (new fields must be optional) "
        f"— {ADVICE}"
    ]


def test_a_type_changed_is_reported(released: Document) -> None:
    def retype(document: Document) -> None:
        payload(document, IMPOSED)["properties"]["sanction_id"] = {
            "type": "integer",
            "title": "Sanction Id",
        }

    assert edited(released, retype) == [
        f"{IMPOSED_TYPE}: field `sanction_id` changed type from string (uuid) to integer — {ADVICE}"
    ]


def test_a_format_changed_is_reported(released: Document) -> None:
    def reformat(document: Document) -> None:
        payload(document, OPENED)["properties"]["starts_on"]["format"] = "date-time"

    assert edited(released, reformat) == [
        f"{OPENED_TYPE}: field `starts_on` changed type from string (date) "
        f"to string (date-time) — {ADVICE}"
    ]


def test_an_optional_field_made_not_nullable_is_reported(released: Document) -> None:
    def not_null(document: Document) -> None:
        payload(document, OPENED)["properties"]["applications_open_at"] = {
            "format": "date-time",
            "type": "string",
            "default": "2026-01-01T00:00:00Z",
        }

    assert edited(released, not_null) == [
        f"{OPENED_TYPE}: field `applications_open_at` changed type from "
        f"string (date-time) or null to string (date-time) — {ADVICE}"
    ]


def test_the_type_inside_an_optional_is_compared(released: Document) -> None:
    def retype(document: Document) -> None:
        prop = payload(document, OPENED)["properties"]["applications_open_at"]
        prop["anyOf"][0] = {"format": "date", "type": "string"}

    assert edited(released, retype) == [
        f"{OPENED_TYPE}: field `applications_open_at` changed type from "
        f"string (date-time) or null to string (date) or null — {ADVICE}"
    ]


def test_an_enum_value_removed_is_reported(released: Document) -> None:
    def narrow(document: Document) -> None:
        payload(document, IMPOSED)["properties"]["kind"]["enum"].remove("dismissal")

    assert edited(released, narrow) == [
        f"{IMPOSED_TYPE}: field `kind`: value(s) `dismissal` removed — {ADVICE}"
    ]


def test_an_enum_value_added_is_reported(released: Document) -> None:
    def widen(document: Document) -> None:
        payload(document, IMPOSED)["properties"]["kind"]["enum"].append("suspension")

    assert edited(released, widen) == [
        f"{IMPOSED_TYPE}: field `kind`: value(s) `suspension` added "
        f"(strict consumers refuse them) — {ADVICE}"
    ]


def test_a_const_changed_is_reported(released: Document) -> None:
    # pydantic renders Literal["x"] as const; Literal["x", "y"] as enum.
    def const(document: Document) -> None:
        payload(document, IMPOSED)["properties"]["kind"] = {
            "const": "warning",
            "type": "string",
        }

    assert edited(released, const) == [
        f"{IMPOSED_TYPE}: field `kind`: value(s) `notice_of_criticism`, `dismissal` removed "
        f"— {ADVICE}"
    ]


def test_an_enum_lost_is_reported(released: Document) -> None:
    def free_text(document: Document) -> None:
        del payload(document, IMPOSED)["properties"]["kind"]["enum"]

    assert edited(released, free_text) == [
        f"{IMPOSED_TYPE}: field `kind`: allowed values changed from "
        f"`warning`, `notice_of_criticism`, `dismissal` to any value — {ADVICE}"
    ]


def test_a_bound_changed_is_reported(released: Document) -> None:
    def tighten(document: Document) -> None:
        payload(document, IMPOSED)["properties"]["reason"]["maxLength"] = 200

    assert edited(released, tighten) == [
        f"{IMPOSED_TYPE}: field `reason`: maxLength changed from 500 to 200 — {ADVICE}"
    ]


def headers(document: Document, message: str) -> dict[str, Any]:
    schema: dict[str, Any] = document["components"]["messages"][message]["headers"]
    return schema


def test_the_cloudevents_headers_are_compared_too_said_once_for_every_type(
    released: Document,
) -> None:
    types = len(released["components"]["messages"])
    first = "campusflow.recruitment.campaign.opened.v1"
    every = f"{first} and {types - 1} other types"

    def respec(document: Document) -> None:  # one envelope: every message's headers
        for message in document["components"]["messages"].values():
            message["headers"] = copy.deepcopy(message["headers"])
            message["headers"]["properties"]["ce_specversion"]["const"] = "2.0"

    def drop_one(document: Document) -> None:  # a single message's (never so, but said)
        schema = headers(document, IMPOSED)
        document["components"]["messages"][IMPOSED]["headers"] = schema = copy.deepcopy(schema)
        del schema["properties"]["ce_time"]
        schema["required"].remove("ce_time")

    assert edited(released, respec) == [
        f"{every}: field `headers.ce_specversion`: value(s) `1.0` removed — {ADVICE}",
        f"{every}: field `headers.ce_specversion`: value(s) `2.0` added "
        f"(strict consumers refuse them) — {ADVICE}",
    ]
    assert edited(released, drop_one) == [
        f"{IMPOSED_TYPE}: field `headers.ce_time` removed — {ADVICE}"
    ]


def test_a_nested_field_removed_through_a_ref_is_reported(released: Document) -> None:
    def remove(document: Document) -> None:
        position = document["components"]["schemas"]["CampaignPosition"]
        del position["properties"]["headcount"]
        position["required"].remove("headcount")

    assert edited(released, remove) == [
        f"{OPENED_TYPE}: field `positions[].headcount` removed — {ADVICE}"
    ]


def test_a_nested_field_made_required_is_reported(released: Document) -> None:
    def require(document: Document) -> None:
        document["components"]["schemas"]["CampaignPosition"]["required"].append(
            "interview_required"
        )

    assert edited(released, require) == [
        f"{OPENED_TYPE}: field `positions[].interview_required` is now required "
        f"(it was optional) — {ADVICE}"
    ]


def test_a_nested_type_changed_is_reported(released: Document) -> None:
    def retype(document: Document) -> None:
        position = document["components"]["schemas"]["CampaignPosition"]
        position["properties"]["required_skills"]["items"] = {"type": "integer"}

    assert edited(released, retype) == [
        f"{OPENED_TYPE}: field `positions[].required_skills[]` changed type from "
        f"string to integer — {ADVICE}"
    ]


def test_an_array_made_a_single_object_is_reported(released: Document) -> None:
    def single(document: Document) -> None:
        payload(document, OPENED)["properties"]["positions"] = {
            "$ref": "#/components/schemas/CampaignPosition"
        }

    assert edited(released, single) == [
        f"{OPENED_TYPE}: field `positions` changed type from array of CampaignPosition "
        f"to CampaignPosition — {ADVICE}"
    ]


def test_a_field_made_a_union_is_reported(released: Document) -> None:
    def widen(document: Document) -> None:
        payload(document, OPENED)["properties"]["positions"]["items"] = {
            "anyOf": [{"$ref": "#/components/schemas/CampaignPosition"}, {"type": "string"}]
        }

    assert edited(released, widen) == [
        f"{OPENED_TYPE}: field `positions[]` changed type from CampaignPosition "
        f"to CampaignPosition or string — {ADVICE}"
    ]


def test_a_map_value_type_changed_is_reported(released: Document) -> None:
    def retype(document: Document) -> None:
        schema = payload(document, "RecruitmentIntakeResult_publishedV1")
        schema["properties"]["admitted_by_department"]["additionalProperties"] = {"type": "string"}

    assert edited(released, retype) == [
        "campusflow.recruitment.intake.result_published.v1: field "
        f"`admitted_by_department{{}}` changed type from integer to string — {ADVICE}"
    ]
