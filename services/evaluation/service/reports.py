"""Reports: individual requirements the chair sets, submissions (text or a file) as new
versions, and who reads what.

A submission runs in one transaction: the version (with its file and hash), the
report's current version and late flag, the similarity gate, on the first version the
late-arrival review assignment, and ReportSubmitted. Reading follows the visibility
rules: the report's authors, the chair and teachers; anyone else is told it is not there.
Once the report's grade is final no new version is taken (409 `grade_final`, field
`report_id`): the grade rests on the version the committee reviewed. The check runs again
under the report's row lock, which grading also takes, so the two never interleave.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg

from services.evaluation.domain.reports import (
    Report,
    ReportVersion,
    Submission,
    ensure_report_text,
    ensure_submitter,
    expected_event,
    individual_report,
    new_version,
    submitted_event,
)
from services.evaluation.repository import files
from services.evaluation.repository import reports as repository
from services.evaluation.service import SOURCE, assignments, similarity
from services.evaluation.service.documents import Limits, read_submission, text_submission
from services.evaluation.service.seasons import season_of
from shared.messaging.outbox import append_to_outbox
from shared.paging import Paging
from shared.rules import NotFound, RuleBroken

# Who reads every report of the college (the chair) or reviews them finally (teachers).
READERS_OF_ALL = ("college_admin", "university_admin", "teacher")


@dataclass(frozen=True)
class Reader:
    """Who asks: a reader of all the college's reports, or one person reading their own."""

    person_id: str
    reads_all: bool

    def may_read(self, report: Report) -> bool:
        return self.reads_all or report.is_author(self.person_id)


async def require_individual_report(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    student_id: str,
    title: str,
    now: datetime,
) -> Report:
    """One individual social-practice report expected of the student; emits ReportExpected."""
    stored_season = await season_of(conn, college=college, season=season)
    report = individual_report(
        college=college,
        season=season,
        student_id=student_id,
        title=title,
        report_id=uuid4(),
        now=now,
    )
    if not await repository.insert_report(conn, report):
        raise RuleBroken(
            "requirement_exists",
            field="student_id",
            message=f"{student_id} already has an individual report expected in {season}",
        )
    await append_to_outbox(conn, [expected_event(report, stored_season)], source=SOURCE, now=now)
    return report


async def submit_text(
    conn: asyncpg.Connection,
    *,
    college: str,
    report_id: UUID,
    text: str,
    by: Reader,
    max_characters: int,
    now: datetime,
    gate: similarity.GateLimits | None = None,
) -> tuple[Report, ReportVersion]:
    await _submittable(conn, college=college, report_id=report_id, by=by)
    submission = text_submission(
        ensure_report_text(text, field="text", max_characters=max_characters)
    )
    return await _submit(
        conn,
        college=college,
        report_id=report_id,
        submission=submission,
        by=by,
        now=now,
        gate=gate,
    )


async def submit_file(
    conn: asyncpg.Connection,
    *,
    college: str,
    report_id: UUID,
    data: bytes,
    filename: str,
    content_type: str,
    by: Reader,
    limits: Limits,
    now: datetime,
    gate: similarity.GateLimits | None = None,
    files_dir: Path | None = None,
) -> tuple[Report, ReportVersion]:
    # Who may submit is checked before the file is read: a stranger learns nothing.
    await _submittable(conn, college=college, report_id=report_id, by=by)
    submission = await asyncio.to_thread(
        read_submission, data, filename=filename, content_type=content_type, limits=limits
    )
    submitted = await _submit(
        conn,
        college=college,
        report_id=report_id,
        submission=submission if files_dir is None else replace(submission, file=None),
        by=by,
        now=now,
        gate=gate,
    )
    if files_dir is not None and submission.file is not None:
        # Only once the version is accepted, and before it commits (repository/files.py).
        await files.keep(files_dir, submission.sha256, submission.file)
    return submitted


async def _submittable(
    conn: asyncpg.Connection, *, college: str, report_id: UUID, by: Reader, lock: bool = False
) -> Report:
    report = await repository.get_report(
        conn, college=college, report_id=report_id, for_update=lock
    )
    if report is None or not by.may_read(report):
        raise NotFound("report", report_id)
    ensure_submitter(report, by.person_id)
    if await repository.grade_is_final(conn, report_id=report_id):
        raise RuleBroken(
            "grade_final",
            field="report_id",
            message="the report's grade is final: it rests on the reviewed version,"
            " so no new version can be submitted",
        )
    return report


async def _submit(
    conn: asyncpg.Connection,
    *,
    college: str,
    report_id: UUID,
    submission: Submission,
    by: Reader,
    now: datetime,
    gate: similarity.GateLimits | None = None,
) -> tuple[Report, ReportVersion]:
    report = await _submittable(conn, college=college, report_id=report_id, by=by, lock=True)
    season = await season_of(conn, college=college, season=report.season)
    late = season.window.is_late(now)
    version = new_version(report, submission, submitted_by=by.person_id, late=late, now=now)
    await repository.insert_version(conn, version, submission)
    updated = await repository.record_submitted(
        conn, report_id=report_id, version=version.version, late=late, at=now
    )
    # ReportSubmitted first: the report's events keep their order (a flag follows it).
    await append_to_outbox(conn, [submitted_event(updated, version)], source=SOURCE, now=now)
    await _after_version(
        conn, report=updated, version=version, body=submission.body, now=now, gate=gate
    )
    # As it stands after the gate (which may have flagged it).
    return await _submittable(conn, college=college, report_id=report_id, by=by), version


async def _after_version(
    conn: asyncpg.Connection,
    *,
    report: Report,
    version: ReportVersion,
    body: str,
    now: datetime,
    gate: similarity.GateLimits | None,
) -> None:
    """The similarity gate on every version; reviewers for a report arriving after the
    season's assignment run on its first (both in this transaction, CONTRACTS.md)."""
    await similarity.gate_submission(
        conn,
        college=report.college,
        season=report.season,
        report_id=report.report_id,
        version=version.version,
        body=body,
        now=now,
        limits=gate,
    )
    if version.version == 1:
        await assignments.assign_on_arrival(
            conn, college=report.college, season=report.season, report_id=report.report_id, now=now
        )


async def report_for(
    conn: asyncpg.Connection, *, college: str, report_id: UUID, reader: Reader
) -> Report:
    report = await repository.get_report(conn, college=college, report_id=report_id)
    if report is None or not reader.may_read(report):
        raise NotFound("report", report_id)
    return report


async def reports_for(
    conn: asyncpg.Connection, *, college: str, season: str | None, reader: Reader, paging: Paging
) -> list[Report]:
    return await repository.find_reports(
        conn,
        college=college,
        season=season,
        author_id=None if reader.reads_all else reader.person_id,
        limit=paging.limit,
        offset=paging.offset,
    )


async def versions_of(
    conn: asyncpg.Connection, *, college: str, report_id: UUID, reader: Reader
) -> list[ReportVersion]:
    await report_for(conn, college=college, report_id=report_id, reader=reader)
    return await repository.list_versions(conn, report_id=report_id)


async def version_content(
    conn: asyncpg.Connection, *, college: str, report_id: UUID, version: int, reader: Reader
) -> tuple[ReportVersion, str, bytes | None]:
    """The version, its text and the file bytes its row holds (None for text, and for a
    file kept in the files directory: see `version_as_submitted`)."""
    await report_for(conn, college=college, report_id=report_id, reader=reader)
    found = await repository.get_version_content(conn, report_id=report_id, version=version)
    if found is None:
        raise NotFound("report version", version)
    return found


async def version_as_submitted(
    conn: asyncpg.Connection,
    *,
    college: str,
    report_id: UUID,
    version: int,
    reader: Reader,
    files_dir: Path | None,
) -> tuple[ReportVersion, str, bytes | None]:
    """As `version_content`, with a file version's bytes wherever they are kept: a row
    without them means the files directory, read and checked against the version's hash
    (FileUnavailable when it cannot be; never served changed)."""
    row, body, file = await version_content(
        conn, college=college, report_id=report_id, version=version, reader=reader
    )
    if row.source != "text" and file is None:
        file = await files.read(files_dir, row.sha256)
    return row, body, file
