"""Reports, requirements and versions as the API takes and shows them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.paging import Paging
from shared.web.fields import Identifier, Line, Text


class RequirementForm(BaseModel):
    """An individual social-practice report expected of one student this season."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    student_id: Annotated[Identifier, Field(max_length=64)]
    title: Annotated[Line, Field(max_length=200)] = ""


class TextSubmissionForm(BaseModel):
    """The report as text (at most the service's report_max_characters, 200,000 by default)."""

    model_config = ConfigDict(extra="forbid")

    text: Text


class ReportView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    report_id: UUID
    season: str
    kind: Literal["team", "individual"]
    team_id: UUID | None
    title: str
    submitter_id: str
    author_ids: list[str]
    advisor_id: str | None
    project_class: Literal["I", "II"] | None
    expected_at: datetime
    current_version: int
    submitted: bool
    first_submitted_at: datetime | None
    late: bool
    integrity: Literal["clear", "flagged", "cleared", "misconduct"]


class ReportPage(BaseModel):
    items: list[ReportView]
    limit: int
    offset: int

    @classmethod
    def listing(cls, items: Iterable[object], paging: Paging) -> ReportPage:
        return cls.model_validate(
            {"items": list(items), "limit": paging.limit, "offset": paging.offset}
        )


class VersionView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    report_id: UUID
    version: int
    submitted_by: str
    submitted_at: datetime
    late: bool
    source: Literal["text", "pdf", "docx"]
    filename: str | None
    sha256: str
    characters: int


class VersionDetail(VersionView):
    body: str


class VersionPage(BaseModel):
    items: list[VersionView]


class SubmittedView(VersionView):
    """The new version, and the report as it stands after it."""

    report: ReportView
