"""Reports: reading one's own (authors) or all (chair, teachers), and submitting a new
version as text (JSON) or as an uploaded PDF/DOCX (multipart, field `file`); only the
team leader or the individual submits. Versions are kept, late ones flagged."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, File, Path, Response, UploadFile, status

from services.evaluation.api.common import PREFIX, Anyone, College, Paged, Settings, Student
from services.evaluation.schemas.reports import (
    ReportPage,
    ReportView,
    SubmittedView,
    TextSubmissionForm,
    VersionDetail,
    VersionPage,
    VersionView,
)
from services.evaluation.service import reports as service
from services.evaluation.service.documents import CONTENT_TYPES, Limits
from services.evaluation.service.similarity import GateLimits
from services.evaluation.settings import EvaluationSettings
from shared.config import ServiceSettings
from shared.web.auth import Principal
from shared.web.dependencies import Now, ReadOnly, Transaction
from shared.web.limits import OversizeField

router = APIRouter(prefix=PREFIX, tags=["reports"])

REPORT = "/reports/{report_id}"
VersionNumber = Annotated[int, Path(ge=1, le=100_000)]


def reader_of(principal: Principal) -> service.Reader:
    return service.Reader(
        person_id=principal.user_id, reads_all=principal.has_any(*service.READERS_OF_ALL)
    )


def _submitted(result: tuple[object, object]) -> SubmittedView:
    report, version = result
    return SubmittedView.model_validate(
        {
            **VersionView.model_validate(version).model_dump(),
            "report": ReportView.model_validate(report),
        }
    )


@router.get("/me/reports", summary="The caller's own reports, every season")
async def my_reports(
    college: College, student: Student, conn: ReadOnly, paging: Paged
) -> ReportPage:
    found = await service.reports_for(
        conn,
        college=college,
        season=None,
        reader=service.Reader(person_id=student.user_id, reads_all=False),
        paging=paging,
    )
    return ReportPage.listing(found, paging)


@router.get(REPORT, summary="One report (its authors, the chair, teachers)")
async def get_report(college: College, report_id: UUID, who: Anyone, conn: ReadOnly) -> ReportView:
    report = await service.report_for(
        conn, college=college, report_id=report_id, reader=reader_of(who)
    )
    return ReportView.model_validate(report)


@router.post(
    f"{REPORT}/versions",
    status_code=status.HTTP_201_CREATED,
    summary="Submit a new version as text (the team leader or the individual)",
)
async def submit_text(
    college: College,
    report_id: UUID,
    form: TextSubmissionForm,
    who: Anyone,
    settings: Settings,
    conn: Transaction,
    now: Now,
) -> SubmittedView:
    result = await service.submit_text(
        conn,
        college=college,
        report_id=report_id,
        text=form.text,
        by=reader_of(who),
        max_characters=settings.report_max_characters,
        now=now,
        gate=GateLimits.of(settings),
    )
    return _submitted(result)


@router.post(
    f"{REPORT}/versions/upload",
    status_code=status.HTTP_201_CREATED,
    summary="Submit a new version as a PDF or DOCX file (multipart/form-data, field `file`)",
    responses={413: {"description": "The file is over the upload limit"}},
)
async def submit_file(
    college: College,
    report_id: UUID,
    file: Annotated[
        UploadFile, File(description="The report: a PDF (with a text layer) or a DOCX")
    ],
    who: Anyone,
    settings: Settings,
    conn: Transaction,
    now: Now,
) -> SubmittedView:
    data = await file.read(settings.upload_max_bytes + 1)
    if len(data) > settings.upload_max_bytes:
        raise _file_too_large(settings).problem()
    result = await service.submit_file(
        conn,
        college=college,
        report_id=report_id,
        data=data,
        filename=file.filename or "",
        content_type=file.content_type or "",
        by=reader_of(who),
        limits=_limits(settings),
        now=now,
        gate=GateLimits.of(settings),
        files_dir=settings.files_dir,
    )
    return _submitted(result)


def _file_too_large(settings: EvaluationSettings) -> OversizeField:
    return OversizeField.of_route(
        f"{PREFIX}{REPORT}/versions/upload",
        field="file",
        rule="file_too_large",
        message=f"files are limited to {settings.upload_max_bytes} bytes",
    )


def oversize_fields(settings: ServiceSettings) -> list[OversizeField]:
    """The field a body over max_body_bytes names (refused before the route reads it), as
    the route itself names one just over its own limit: the upload's file, and the text of
    a text version (10 MiB of JSON is far more characters than a report may have). None
    for settings without those limits (an app built for its OpenAPI document)."""
    if not isinstance(settings, EvaluationSettings):
        return []
    text_too_long = OversizeField.of_route(
        f"{PREFIX}{REPORT}/versions",
        field="text",
        rule="report_too_long",
        message=f"reports are limited to {settings.report_max_characters} characters",
    )
    return [_file_too_large(settings), text_too_long]


def _limits(settings: EvaluationSettings) -> Limits:
    return Limits(
        max_bytes=settings.upload_max_bytes,
        max_characters=settings.report_max_characters,
        pdf_min_text_characters=settings.pdf_min_text_characters,
    )


@router.get(f"{REPORT}/versions", summary="Every version of a report, oldest first")
async def list_versions(
    college: College, report_id: UUID, who: Anyone, conn: ReadOnly
) -> VersionPage:
    found = await service.versions_of(
        conn, college=college, report_id=report_id, reader=reader_of(who)
    )
    return VersionPage(items=[VersionView.model_validate(v) for v in found])


@router.get(f"{REPORT}/versions/{{version}}", summary="One version with its text")
async def get_version(
    college: College, report_id: UUID, version: VersionNumber, who: Anyone, conn: ReadOnly
) -> VersionDetail:
    found, body, _ = await service.version_content(
        conn, college=college, report_id=report_id, version=version, reader=reader_of(who)
    )
    return VersionDetail.model_validate(
        {**VersionView.model_validate(found).model_dump(), "body": body}
    )


@router.get(
    f"{REPORT}/versions/{{version}}/file",
    summary="The version as submitted: the original PDF/DOCX, or the text as text/plain",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}, CONTENT_TYPES["docx"]: {}, "text/plain": {}}}
    },
)
async def download_version(
    college: College,
    report_id: UUID,
    version: VersionNumber,
    who: Anyone,
    settings: Settings,
    conn: ReadOnly,
) -> Response:
    found, body, file = await service.version_as_submitted(
        conn,
        college=college,
        report_id=report_id,
        version=version,
        reader=reader_of(who),
        files_dir=settings.files_dir,
    )
    if found.source == "text" or file is None:
        return Response(content=body.encode("utf-8"), media_type="text/plain; charset=utf-8")
    name = found.filename or f"report-v{found.version}.{found.source}"
    return Response(
        content=file,
        media_type=CONTENT_TYPES[found.source],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "X-Content-SHA256": found.sha256,
        },
    )
