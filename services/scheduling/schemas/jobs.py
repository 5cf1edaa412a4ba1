"""Solve jobs as the API takes and shows them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.scheduling.domain.solve_jobs import SolveJob
from shared.paging import Paging


class SolveJobForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["rota", "timetable"]
    problem: dict[str, Any] = Field(
        description="The problem document (README: duty rota / timetable problem formats)"
    )
    time_limit_s: Annotated[float, Field(gt=0, le=86_400, allow_inf_nan=False)] | None = None


class ProgressView(BaseModel):
    """The best solution so far: its objective, the best bound, seconds since the claim."""

    objective: float | None = None
    bound: float | None = None
    solutions: int = 0
    elapsed_s: float = 0.0


class SolveJobView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    job_id: UUID
    college: str
    kind: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    time_limit_s: float
    cancel_requested: bool
    attempts: int
    claimed_by: str | None
    progress: ProgressView
    result: dict[str, Any] | None = Field(
        description="When done (or cancelled with an answer): the judged result document"
    )
    error: str | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, job: SolveJob) -> SolveJobView:
        progress = ProgressView.model_validate(
            {k: v for k, v in job.progress.items() if k in ProgressView.model_fields}
        )
        return cls.model_validate({**vars(job), "progress": progress})


class SolveJobPage(BaseModel):
    items: list[SolveJobView] = Field(description="Newest first; `result` left out")
    limit: int
    offset: int

    @classmethod
    def listing(cls, jobs: Iterable[SolveJob], paging: Paging) -> SolveJobPage:
        return cls(
            items=[SolveJobView.of(job) for job in jobs], limit=paging.limit, offset=paging.offset
        )
