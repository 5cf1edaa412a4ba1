"""Members: the pool (officers), a member's class timetable, unavailability and
availability (the member themself or an officer), and the office rota problem built from
an organisation's members and their availability (officers)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from services.scheduling.api.common import PREFIX, STAFF, College, Limits, Member, Officer, Paged
from services.scheduling.domain.class_timetables import MAX_ICS_BYTES
from services.scheduling.domain.members import PoolFilter
from services.scheduling.domain.rules import NotFound, RuleBroken
from services.scheduling.schemas.members import (
    AvailabilityView,
    MemberPage,
    MemberView,
    TimetableView,
    UnavailabilityForm,
    UnavailabilityView,
    WeeklySlotsForm,
)
from services.scheduling.schemas.rota_problems import (
    OfficeProblemForm,
    OfficeProblemView,
    rota_problem_document,
)
from services.scheduling.service import availability as availability_service
from services.scheduling.service import members as service
from services.scheduling.service import rota_problems
from shared.events.scheduling import OrganisationKind
from shared.web.auth import Principal
from shared.web.dependencies import Now, ReadOnly, Transaction
from shared.web.fields import Identifier, SaneDate
from shared.web.problems import Problem

router = APIRouter(prefix=PREFIX, tags=["members"])

PersonId = Annotated[str, Path(min_length=1, max_length=64, description="The member's id")]
MEMBER = "/colleges/{college}/members/{person_id}"


def _readable_by(principal: Principal, person_id: str) -> None:
    """A member sees their own; staff see everyone's; anyone else is told it is not there."""
    if not principal.has_any(*STAFF) and principal.user_id != person_id:
        raise NotFound("member", person_id)


def _writable_by(principal: Principal, person_id: str) -> None:
    if not principal.has_any(*STAFF) and principal.user_id != person_id:
        raise Problem.forbidden("only the member themself or an officer may change this")


@router.get("/colleges/{college}/members", summary="The member pool, by person id")
async def list_members(
    college: College,
    principal: Officer,
    conn: ReadOnly,
    paging: Paged,
    organisation_kind: OrganisationKind | None = None,
    organisation_id: Annotated[Identifier | None, Query()] = None,
    skill: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    include_former: bool = False,
) -> MemberPage:
    where = PoolFilter(
        organisation_kind=organisation_kind,
        organisation_id=organisation_id,
        skill=skill,
        include_former=include_former,
    )
    found = await service.list_members(conn, college=college, where=where, paging=paging)
    return MemberPage.listing(found, paging)


@router.get(MEMBER, summary="One member: skills, memberships, timetable")
async def get_member(
    college: College, person_id: PersonId, principal: Member, conn: ReadOnly
) -> MemberView:
    _readable_by(principal, person_id)
    return MemberView.model_validate(
        await service.get_member(conn, college=college, person_id=person_id)
    )


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON schema with its $defs inlined, for a hand-written request body."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


TIMETABLE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _inline(WeeklySlotsForm.model_json_schema())},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


@router.put(
    f"{MEMBER}/timetable",
    summary="Replace the member's class timetable: an .ics file or weekly busy slots",
    description=(
        "multipart/form-data with an iCalendar file in `file` (recurring classes expanded"
        f" over a year; at most {MAX_ICS_BYTES} bytes), or JSON"
        ' `{"slots": [{"weekday": 0, "start": "08:00", "end": "09:35"}]}`.'
    ),
    openapi_extra=TIMETABLE_BODY,
    responses={
        415: {
            "description": "Unsupported Media Type: neither multipart/form-data nor JSON",
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        }
    },
)
async def put_timetable(
    college: College,
    person_id: PersonId,
    request: Request,
    principal: Member,
    conn: Transaction,
    now: Now,
) -> TimetableView:
    _writable_by(principal, person_id)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        data, file_name = await _uploaded_file(request)
        summary = await availability_service.upload_ics(
            conn,
            college=college,
            person_id=person_id,
            data=data,
            file_name=file_name,
            by=principal.user_id,
            now=now,
        )
    elif kind == "application/json":
        form = _weekly_slots(await request.body())
        summary = await availability_service.set_weekly_slots(
            conn,
            college=college,
            person_id=person_id,
            slots=[slot.to_domain() for slot in form.slots],
            by=principal.user_id,
            now=now,
        )
    else:
        raise Problem(
            415, "Unsupported Media Type", "send multipart/form-data (file) or application/json"
        )
    return TimetableView.model_validate(summary)


async def _uploaded_file(request: Request) -> tuple[bytes, str]:
    async with request.form(max_files=1, max_fields=5) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise RuleBroken(
                "file_missing",
                field="file",
                message="send the iCalendar file in the form field `file`",
                invalid=True,
            )
        # One byte over the limit is enough for the reader to refuse it as too large.
        return await upload.read(MAX_ICS_BYTES + 1), upload.filename or ""


def _weekly_slots(body: bytes) -> WeeklySlotsForm:
    try:
        return WeeklySlotsForm.model_validate_json(body)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False)]
        ) from None


@router.post(
    f"{MEMBER}/unavailability",
    status_code=201,
    summary="Declare a period the member cannot be on duty",
)
async def declare_unavailable(
    college: College,
    person_id: PersonId,
    form: UnavailabilityForm,
    principal: Member,
    conn: Transaction,
    now: Now,
) -> UnavailabilityView:
    _writable_by(principal, person_id)
    declared = await availability_service.declare_unavailable(
        conn,
        college=college,
        person_id=person_id,
        starts_at=form.starts_at,
        ends_at=form.ends_at,
        reason=form.reason,
        by=principal.user_id,
        now=now,
    )
    return UnavailabilityView.model_validate(declared)


@router.delete(
    f"{MEMBER}/unavailability/{{unavailability_id}}",
    status_code=204,
    summary="Withdraw a declared unavailability period",
)
async def withdraw_unavailable(
    college: College,
    person_id: PersonId,
    unavailability_id: UUID,
    principal: Member,
    conn: Transaction,
) -> Response:
    _writable_by(principal, person_id)
    await availability_service.withdraw_unavailable(
        conn, college=college, person_id=person_id, unavailability_id=unavailability_id
    )
    return Response(status_code=204)


@router.get(
    f"{MEMBER}/availability",
    summary="When the member is busy over a range of days (classes, slots, unavailability, leave)",
)
async def get_availability(
    college: College,
    person_id: PersonId,
    first_day: Annotated[SaneDate, Query(alias="from")],
    last_day: Annotated[SaneDate, Query(alias="to")],
    principal: Member,
    conn: ReadOnly,
) -> AvailabilityView:
    _readable_by(principal, person_id)
    found = await availability_service.availability(
        conn, college=college, person_id=person_id, first_day=first_day, last_day=last_day
    )
    return AvailabilityView.model_validate(found)


@router.post(
    "/colleges/{college}/rota-problems/office",
    summary="The office rota problem for an organisation's members, their availability filled in",
    description=(
        "Expands the office template for the organisation's current members and marks each"
        " member unavailable for every (day, post) their class timetable, weekly busy slots,"
        " declared unavailability or granted leave overlaps. Answers the general rota"
        " problem document, ready to submit as a solve job (kind rota)."
    ),
)
async def office_problem(
    college: College, form: OfficeProblemForm, principal: Officer, conn: ReadOnly, limits: Limits
) -> OfficeProblemView:
    built = await rota_problems.office_problem(
        conn,
        college=college,
        organisation_kind=form.organisation_kind,
        organisation_id=form.organisation_id,
        office_document=form.office_document,
        limits=limits,
    )
    return OfficeProblemView(
        problem=rota_problem_document(built.problem),
        members=list(built.members),
        unavailable=built.unavailable,
    )
