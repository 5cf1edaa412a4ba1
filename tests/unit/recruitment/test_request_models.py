"""Every request model refuses, with a 422 naming the field, what an outside tester's
fuzzing of the recruitment API found answered 500, and still takes what the tests and
the demo send.

The 500s: a NUL (\\u0000) in any string; a date-time without an offset
("2026-11-01T00:00:00", then compared with an aware time: TypeError); dates at the
edges ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00": "date value out of
range"; a season of 0001-9999 accepted, then team registration failing with
OverflowError); `grade_year: true` taken for an integer.
"""

from __future__ import annotations

import copy
import importlib
import pkgutil
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

from services.recruitment.__main__ import DEFINITION
from services.recruitment.schemas.applications import ApplicationForm
from services.recruitment.schemas.beneficiaries import (
    ContactCardCorrection,
    ContactCardForm,
    CorrectionForm,
    RegistrationForm,
)
from services.recruitment.schemas.campaigns import (
    CampaignForm,
    ClosingForm,
    PositionForm,
    ScreeningForm,
)
from services.recruitment.schemas.corps import AssignForm, MoveForm, RenameForm, UnitForm
from services.recruitment.schemas.dropouts import DropoutReport, ReturnRecord
from services.recruitment.schemas.intake import AssessmentForm, CandidateForm, IntakeForm
from services.recruitment.schemas.interviews import BookingForm, ResultForm, SlotForm, SlotsForm
from services.recruitment.schemas.memberships import EndForm
from services.recruitment.schemas.pairing import (
    EndPairingForm,
    ManualPairingForm,
    PairingRunForm,
)
from services.recruitment.schemas.selection import (
    DecisionForm,
    Placement,
    Rejection,
    SquadLeaderForm,
)
from services.recruitment.schemas.teams import (
    ApprovalForm,
    RejectionForm,
    SeasonForm,
    TeamForm,
)
from services.recruitment.settings import RecruitmentSettings
from shared.config import LOCAL_BENEFICIARY_INDEX_KEY, LOCAL_BENEFICIARY_KEY, LOCAL_JWT_SECRET
from shared.runtime import build_app
from tests.support.auth import bearer
from tools.demo.recruitment.beneficiaries import CHILDREN
from tools.demo.recruitment.campaigns import CAMPAIGN_DETAILS
from tools.demo.recruitment.corps import CORPS, MOVE
from tools.demo.recruitment.intake import INTAKES
from tools.demo.recruitment.teams import TEAMS
from tools.demo.seed import APPLICANTS

pytestmark = pytest.mark.unit

REQUEST_PACKAGES = ("services.recruitment.schemas", "services.notifications.schemas")
NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)

# The tester's inputs, exactly.
NUL = "\u0000"
NAIVE = "2026-11-01T00:00:00"
EDGES = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00")
EDGE_DAYS = ("0001-01-01", "9999-12-31")

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T")

Body = dict[str, Any]
Loc = tuple[str | int, ...]


# --- what the demo and the tests send ------------------------------------------------


def _campaigns() -> list[Body]:
    window = {
        "opens_at": (NOW - timedelta(hours=1)).isoformat(),
        "closes_at": (NOW + timedelta(days=60)).isoformat(),
    }
    from_demo = [
        {"id": campaign_id, **details, **window}
        for campaign_id, details in CAMPAIGN_DETAILS.items()
    ]
    # tests/e2e/recruitment/test_campaigns_flow.py, with +08:00 instead of UTC
    from_tests = {
        "id": "e2e-campaign",
        "title": "“一帮一”暑期知识拓展班志愿者招募",
        "place": "岳西县希望小学",
        "starts_on": "2026-07-08",
        "ends_on": "2026-08-11",
        "opens_at": "2026-05-01T08:00:00+08:00",
        "closes_at": "2026-05-15T08:00:00+08:00",
        "positions": [
            {"id": "teachers", "title": "支教老师", "headcount": 1, "required_skills": ["english"]},
            {"id": "squad", "title": "特招服务小队", "headcount": 1, "interview_required": True},
        ],
        "screening": {"min_grade_year": 2, "questions": ["为什么想去支教？"]},
    }
    return [*from_demo, from_tests]


def _applications() -> list[Body]:
    return [
        {
            "campaign_id": a.campaign_id,
            "position_id": CAMPAIGN_DETAILS[a.campaign_id]["positions"][0]["id"],
            "applicant_name": a.name,
            "motivation": a.motivation,
            "skills": list(a.skills),
            "grade_year": 2,
            "answers": [a.motivation],
        }
        for a in APPLICANTS
    ]


def _contact_card(child: Any) -> Body:
    return {
        "name": child.name,
        "guardian_name": child.guardian_name,
        "address": child.address,
        "phone": child.phone,
        "parents_workplace": child.parents_workplace,
        "date_of_birth": child.date_of_birth,
    }


def _registrations() -> list[Body]:
    return [
        {
            "school_id": child.school_id,
            "county": child.county,
            "grade": child.grade,
            "categories": list(child.categories),
            "subject_needs": list(child.subject_needs),
            "contact_card": _contact_card(child),
        }
        for child in CHILDREN
    ]


def _units() -> list[Body]:
    brigade_id = str(uuid4())
    units: list[Body] = []
    for counties in CORPS.values():
        for county, (schools, specialties, _) in counties.items():
            units.append({"kind": "brigade", "name": f"{county}大队", "county": county})
            units += [
                {"kind": "detachment", "name": f"{s}分队", "school": s, "brigade_id": brigade_id}
                for s in schools
            ]
            units += [
                {"kind": "group", "name": s, "specialty": s, "brigade_id": brigade_id}
                for s in specialties
            ]
    return units


def _intakes() -> list[Body]:
    return [
        {"intake_id": intake_id, "title": title, "departments": capacities, "max_choices": 2}
        for intake_id, title, capacities, _ in INTAKES.values()
    ]


def _candidates() -> list[Body]:
    return [
        {"name": name, "choices": choices}
        for _, _, _, candidates in INTAKES.values()
        for _, name, choices, _ in candidates
    ]


def _teams() -> list[Body]:
    return [
        {
            "title": team.title,
            "summary": team.summary,
            "member_ids": list(team.member_ids),
            "advisor_ids": [team.advisor_id],
        }
        for team in TEAMS
    ]


SLOT = {
    "starts_at": (NOW + timedelta(days=1)).isoformat(),
    "ends_at": (NOW + timedelta(days=1, minutes=20)).isoformat(),
    "place": "B-201",
}
PLACEMENT = {
    "application_id": str(uuid4()),
    "county": "邵阳县",
    "school_id": "shaoyang-tangdu-primary",
    "max_children": 2,
}
REJECTION = {"application_id": str(uuid4()), "reason": "没有面试结果"}
SEASON = {
    "season": "2026-summer",
    "title": "2026年暑期社会实践项目申报",
    "opens_on": "2026-05-08",
    "closes_on": "2026-05-15",
}
CARD_CORRECTION = {**_contact_card(CHILDREN[0]), "address": "湖南省邵阳县塘渡口镇新村4组"}

EXAMPLES: list[tuple[type[BaseModel], Body]] = [
    *((CampaignForm, body) for body in _campaigns()),
    *((PositionForm, p) for body in _campaigns() for p in body["positions"]),
    *((ScreeningForm, body["screening"]) for body in _campaigns()),
    (ClosingForm, {"reason": "暑期支教招募结束"}),
    (ClosingForm, {}),
    *((ApplicationForm, body) for body in _applications()),
    (SlotsForm, {"slots": [SLOT]}),
    (SlotForm, SLOT),
    (BookingForm, {"application_id": str(uuid4())}),
    (ResultForm, {"score": 88, "recommended": True}),
    (DecisionForm, {"rejections": [REJECTION], "places": [PLACEMENT]}),
    (Rejection, REJECTION),
    (Placement, PLACEMENT),
    (Placement, {"application_id": str(uuid4())}),
    (SquadLeaderForm, {"application_id": str(uuid4())}),
    *((IntakeForm, body) for body in _intakes()),
    *((CandidateForm, body) for body in _candidates()),
    (AssessmentForm, {"communication": 88, "planning": 84}),
    (SeasonForm, SEASON),
    *((TeamForm, body) for body in _teams()),
    (ApprovalForm, {"project_class": "I", "budget_yuan": 3000}),
    (ApprovalForm, {"project_class": "II"}),
    (RejectionForm, {"reason": "方案未附安全预案，请补充后参加下一季申报"}),
    *((UnitForm, body) for body in _units()),
    (RenameForm, {"name": "响肠小学第一分队"}),
    (AssignForm, {"person_id": "cs-2024001"}),
    (AssignForm, {"person_id": "cs-2024002", "role": "leader"}),
    (MoveForm, {"person_id": MOVE[1], "to_unit_id": str(uuid4()), "reason": MOVE[3]}),
    (EndForm, {"how": "withdrawn", "reason": "本人申请退出"}),
    *((RegistrationForm, body) for body in _registrations()),
    *((ContactCardForm, body["contact_card"]) for body in _registrations()),
    (
        CorrectionForm,
        {
            "grade": 5,
            "categories": ["left_behind"],
            "subject_needs": ["math"],
            "contact_card": CARD_CORRECTION,
        },
    ),
    (ContactCardCorrection, CARD_CORRECTION),
    (PairingRunForm, {"county": "邵阳县", "mode": "many_to_one", "volunteers_per_child": 2}),
    (PairingRunForm, {"school_id": "shaoyang-tangdu-primary"}),
    (
        ManualPairingForm,
        {
            "beneficiary_id": str(uuid4()),
            "volunteer_id": "v-english",
            "reason": "家长要求更换",
            "replaces_pairing_id": str(uuid4()),
        },
    ),
    (EndPairingForm, {"reason": "学期结束", "season_over": True}),
    (
        DropoutReport,
        {"return_by": (NOW + timedelta(days=14)).isoformat(), "note": "连续两周未到校"},
    ),
    (ReturnRecord, {"returned_at": (NOW + timedelta(days=3)).isoformat()}),
    (ReturnRecord, {}),
]


def example_id(example: tuple[type[BaseModel], Body]) -> str:
    return example[0].__name__


def request_models() -> set[type[BaseModel]]:
    """The models a route takes as its body: those that refuse unknown fields."""
    found: set[type[BaseModel]] = set()
    for package_name in REQUEST_PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package_name}.{info.name}")
            for thing in vars(module).values():
                if (
                    isinstance(thing, type)
                    and issubclass(thing, BaseModel)
                    and thing.__module__ == module.__name__
                    and thing.model_config.get("extra") == "forbid"
                ):
                    found.add(thing)
    return found


def leaves(value: Any, path: Loc = ()) -> Iterator[tuple[Loc, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path, value


def replaced(body: Body, path: Loc, new: Any) -> Body:
    changed = copy.deepcopy(body)
    target: Any = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return changed


def errors_of(model: type[BaseModel], body: Body) -> dict[Loc, str]:
    """Each refused field's location and rule."""
    with pytest.raises(ValidationError) as refused:
        model.model_validate(body)
    return {tuple(error["loc"]): error["type"] for error in refused.value.errors()}


# --- the examples cover every field of every request model ---------------------------


def test_every_field_of_every_request_model_has_an_example() -> None:
    # Recruitment's models, whose fuzzing found the 500s above; notifications' request
    # models are held to the same character rules below and tested by their own routes.
    examples: dict[type[BaseModel], set[str]] = {}
    for model, body in EXAMPLES:
        examples.setdefault(model, set()).update(body)
    for model in request_models():
        if model.__module__.startswith("services.recruitment"):
            assert set(model.model_fields) <= examples.get(model, set()), model.__name__


def _strings(schema: Any) -> Iterator[dict[str, Any]]:
    if isinstance(schema, dict):
        if schema.get("type") == "string":
            yield schema
        for value in schema.values():
            yield from _strings(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _strings(value)


REQUEST_MODELS = sorted(request_models(), key=lambda model: model.__name__)


@pytest.mark.parametrize("model", REQUEST_MODELS, ids=[m.__name__ for m in REQUEST_MODELS])
def test_no_request_model_takes_a_bare_string(model: type[BaseModel]) -> None:
    # Text, Line and Identifier each document the characters they take as a pattern; a
    # bare `str` has none. Choices (enum), UUIDs and dates (format) are checked by type.
    for schema in _strings(model.model_json_schema()):
        if not {"enum", "const", "format"} & set(schema):
            assert "pattern" in schema, (model.__name__, schema)


@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_what_the_demo_and_the_tests_send_is_accepted(
    example: tuple[type[BaseModel], Body],
) -> None:
    model, body = example
    model.model_validate(body)


# --- NUL and other control characters -------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_a_nul_in_any_string_is_refused_naming_the_field(
    example: tuple[type[BaseModel], Body],
) -> None:
    model, body = example
    strings = [(path, value) for path, value in leaves(body) if isinstance(value, str)]
    for path, value in strings:
        errors = errors_of(model, replaced(body, path, value[:1] + NUL + value[1:]))
        assert path in errors, (path, errors)


def test_a_nul_in_a_department_code_is_refused_naming_the_departments() -> None:
    body = {"intake_id": "2026-autumn", "title": "纳新", "departments": {"sports\x00": 2}}
    assert errors_of(IntakeForm, body) == {
        ("departments", "sports\x00", "[key]"): "control_character"
    }


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        (ApplicationForm, _applications()[0], "applicant_name"),
        (ApplicationForm, _applications()[0], "motivation"),
        (TeamForm, _teams()[0], "title"),
        (TeamForm, _teams()[0], "summary"),
        (RejectionForm, {"reason": "方案"}, "reason"),
        (ContactCardForm, _contact_card(CHILDREN[0]), "address"),
        (MoveForm, {"person_id": "p", "to_unit_id": str(uuid4()), "reason": "r"}, "reason"),
    ],
)
def test_text_and_lines_refuse_control_characters_by_name(
    model: type[BaseModel], body: Body, field: str
) -> None:
    for character in (NUL, "\x1b", "\x7f", "\x85"):
        errors = errors_of(model, {**body, field: f"a{character}b"})
        assert errors == {(field,): "control_character"}
    # A lone surrogate (which UTF-8, hence PostgreSQL, cannot hold) is refused too, by
    # pydantic's own string check when the model strips whitespace.
    assert set(errors_of(model, {**body, field: "a\ud800b"})) == {(field,)}


def test_free_text_keeps_its_lines_and_a_textarea_crlf_becomes_lf() -> None:
    body = {**_applications()[0], "motivation": "第一行\r\n第二行\n\t第三行"}
    assert ApplicationForm.model_validate(body).motivation == "第一行\n第二行\n\t第三行"
    reason = EndForm.model_validate({"how": "expelled", "reason": "一\r\n二"}).reason
    assert reason == "一\n二"


@pytest.mark.parametrize("line", ["李\n明", "李\t明", "李\r明"])
def test_names_and_titles_are_one_line(line: str) -> None:
    assert errors_of(ApplicationForm, {**_applications()[0], "applicant_name": line}) == {
        ("applicant_name",): "control_character"
    }
    assert errors_of(TeamForm, {**_teams()[0], "title": line}) == {("title",): "control_character"}


# --- date-times and dates -------------------------------------------------------------


def _date_times(body: Body) -> list[Loc]:
    return [p for p, v in leaves(body) if isinstance(v, str) and _DATE_TIME.match(v)]


def _dates(body: Body) -> list[Loc]:
    return [p for p, v in leaves(body) if isinstance(v, str) and _DATE.match(v)]


DATED = [e for e in EXAMPLES if _date_times(e[1]) or _dates(e[1])]


def test_the_dated_examples_cover_every_date_and_date_time_field() -> None:
    named = {
        (model.__name__, path[-1])
        for model, body in DATED
        for path in [*_date_times(body), *_dates(body)]
        if len(path) == 1
    }
    assert named >= {
        ("CampaignForm", "starts_on"),
        ("CampaignForm", "ends_on"),
        ("CampaignForm", "opens_at"),
        ("CampaignForm", "closes_at"),
        ("SlotForm", "starts_at"),
        ("SlotForm", "ends_at"),
        ("SeasonForm", "opens_on"),
        ("SeasonForm", "closes_on"),
        ("ContactCardForm", "date_of_birth"),
        ("ContactCardCorrection", "date_of_birth"),
    }


@pytest.mark.parametrize("example", DATED, ids=example_id)
def test_a_date_time_without_an_offset_is_refused(example: tuple[type[BaseModel], Body]) -> None:
    model, body = example
    for path in _date_times(body):
        assert errors_of(model, replaced(body, path, NAIVE)) == {path: "timezone_aware"}


@pytest.mark.parametrize("example", DATED, ids=example_id)
def test_date_times_and_dates_at_the_edges_of_the_calendar_are_refused(
    example: tuple[type[BaseModel], Body],
) -> None:
    model, body = example
    for path in _date_times(body):
        for edge in EDGES:
            assert errors_of(model, replaced(body, path, edge)) == {path: "out_of_range"}
        assert path in errors_of(model, replaced(body, path, 0))  # not 1970
    for path in _dates(body):
        for edge in (*EDGE_DAYS, *EDGES):
            assert path in errors_of(model, replaced(body, path, edge)), edge
        for edge in EDGE_DAYS:
            assert errors_of(model, replaced(body, path, edge)) == {path: "out_of_range"}


def test_a_season_of_0001_to_9999_is_refused_on_both_days() -> None:
    season = {
        "season": "forever",
        "title": "永远",
        "opens_on": "0001-01-01",
        "closes_on": "9999-12-31",
    }
    assert errors_of(SeasonForm, season) == {
        ("opens_on",): "out_of_range",
        ("closes_on",): "out_of_range",
    }


def test_a_date_time_is_kept_as_the_same_instant_in_utc() -> None:
    form = CampaignForm.model_validate(_campaigns()[-1])
    assert form.opens_at == datetime(2026, 5, 1, 0, 0, tzinfo=UTC)
    assert form.opens_at.tzinfo is UTC
    card = ContactCardForm.model_validate(_contact_card(CHILDREN[0]))
    assert card.date_of_birth == date(2016, 3, 1)


# --- numbers and booleans are JSON numbers and booleans -------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_true_is_not_an_integer_nor_a_string_a_number(
    example: tuple[type[BaseModel], Body],
) -> None:
    model, body = example
    for path, value in leaves(body):
        if isinstance(value, bool):
            for wrong in (1, "true"):
                assert errors_of(model, replaced(body, path, wrong)) == {path: "bool_type"}
        elif isinstance(value, int):
            for wrong in (True, str(value)):
                assert errors_of(model, replaced(body, path, wrong)) == {path: "int_type"}


def test_grade_year_true_is_refused() -> None:
    body = {**_applications()[0], "grade_year": True}
    assert errors_of(ApplicationForm, body) == {("grade_year",): "int_type"}


def test_the_existing_bounds_hold_and_a_capacity_fits_postgresql() -> None:
    application = _applications()[0]
    assert errors_of(ApplicationForm, {**application, "grade_year": 9}) == {
        ("grade_year",): "less_than_equal"
    }
    intake = _intakes()[0]
    too_big = {**intake, "departments": {"sports": 2**31}}
    assert errors_of(IntakeForm, too_big) == {("departments", "sports"): "less_than_equal"}
    # Under one is the domain's rule (capacity_at_least_one), as before.
    IntakeForm.model_validate({**intake, "departments": {"sports": 0}})


# --- ids keep the patterns they had -----------------------------------------------------


def test_ids_keep_their_patterns_and_lengths() -> None:
    SeasonForm.model_validate({**SEASON, "season": "s" * 32})
    assert errors_of(SeasonForm, {**SEASON, "season": "s" * 33}) == {
        ("season",): "string_pattern_mismatch"
    }
    campaign = _campaigns()[0]
    CampaignForm.model_validate({**campaign, "id": "c" * 64})
    assert errors_of(CampaignForm, {**campaign, "id": "c" * 65}) == {("id",): "string_too_long"}
    assert errors_of(CampaignForm, {**campaign, "id": "no spaces"}) == {
        ("id",): "string_pattern_mismatch"
    }
    team = _teams()[0]
    TeamForm.model_validate({**team, "advisor_ids": ["t.zhang@example.edu"]})
    AssignForm.model_validate({"person_id": "t.zhang@example.edu"})


# --- through the API ------------------------------------------------------------------


class _UnusedConnection:
    """What a route's Transaction dependency opens (FastAPI resolves the dependencies
    even of a request whose body it then refuses); a route that runs anyway fails loudly."""

    @asynccontextmanager
    async def transaction(self, **_: Any) -> AsyncIterator[None]:
        yield

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"a refused request reached the database ({name})")


class _UnusedPool:
    @asynccontextmanager
    async def acquire(self, **_: Any) -> AsyncIterator[_UnusedConnection]:
        yield _UnusedConnection()


@pytest.fixture(scope="module")
def api() -> Iterator[TestClient]:
    settings = RecruitmentSettings(
        environment="test",
        database_url="postgresql://u@localhost/db",
        kafka_bootstrap="localhost:9092",
        redis_url="redis://localhost",
        jwt_secret=LOCAL_JWT_SECRET,
        beneficiary_keys=LOCAL_BENEFICIARY_KEY,  # type: ignore[arg-type]
        beneficiary_index_key=LOCAL_BENEFICIARY_INDEX_KEY,  # type: ignore[arg-type]
    )
    app = build_app(DEFINITION, settings)
    app.state.runtime.pool = _UnusedPool()
    # Not entered as a context manager: no lifespan, so nothing is started.
    yield TestClient(app, raise_server_exceptions=False)


ROOT = "/api/recruitment/colleges/cs"
OFFICER = bearer("cs-officer", "officer", "cs")
STUDENT = bearer("cs-2024001", "student", "cs")


def fields_named(response: Any) -> set[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {error["field"] for error in response.json()["errors"]}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("opens_at", NAIVE),
        ("opens_at", EDGES[0]),
        ("closes_at", EDGES[1]),
        ("starts_on", EDGES[0]),
        ("ends_on", EDGES[1]),
        ("title", f"一帮一{NUL}"),
        ("place", f"岳西{NUL}县"),
    ],
)
def test_opening_a_campaign_with_the_testers_inputs_is_a_422_naming_the_field(
    api: TestClient, field: str, value: str
) -> None:
    body = {**_campaigns()[0], field: value}
    response = api.post(f"{ROOT}/campaigns", json=body, headers=OFFICER)
    assert field in fields_named(response)


@pytest.mark.parametrize(
    ("field", "value"),
    [("grade_year", True), ("motivation", f"想去{NUL}支教"), ("campaign_id", f"x{NUL}")],
)
def test_applying_with_the_testers_inputs_is_a_422_naming_the_field(
    api: TestClient, field: str, value: Any
) -> None:
    body = {**_applications()[0], field: value}
    response = api.post(f"{ROOT}/applications", json=body, headers=STUDENT)
    assert fields_named(response) == {field}


def test_opening_a_season_of_0001_to_9999_is_a_422_naming_both_days(api: TestClient) -> None:
    season = {"season": "forever", "title": "永远", "opens_on": EDGES[0], "closes_on": EDGES[1]}
    response = api.post(f"{ROOT}/project-seasons", json=season, headers=OFFICER)
    assert fields_named(response) == {"opens_on", "closes_on"}


def test_offering_a_slot_without_an_offset_is_a_422_naming_it(api: TestClient) -> None:
    slots = {"slots": [{**SLOT, "starts_at": NAIVE}]}
    url = f"{ROOT}/campaigns/summer/positions/squad/interview-slots"
    response = api.post(url, json=slots, headers=OFFICER)
    assert fields_named(response) == {"slots.0.starts_at"}


def test_a_result_with_1_for_true_is_a_422_naming_it(api: TestClient) -> None:
    url = f"{ROOT}/campaigns/summer/interview-slots/{uuid4()}/result"
    response = api.post(url, json={"score": 88, "recommended": 1}, headers=OFFICER)
    assert fields_named(response) == {"recommended"}
