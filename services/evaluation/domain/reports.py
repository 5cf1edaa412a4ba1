"""Report seasons, the project teams read from recruitment, the reports expected of them
and of individuals, and their submitted versions: the rules, free of I/O.

- A team gets exactly one report once it is both registered and approved (and not
  rejected), whatever order recruitment's facts arrive in.
- Only the report's submitter (the team leader, or the individual) submits; the other
  authors read it.
- Every submission is a new version; none is overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from services.evaluation.domain.submission_window import SubmissionWindow
from shared.events.evaluation import ReportExpected, ReportSubmitted
from shared.rules import RuleBroken

ReportKind = Literal["team", "individual"]
Source = Literal["text", "pdf", "docx"]
Integrity = Literal["clear", "flagged", "cleared", "misconduct"]


@dataclass(frozen=True)
class Season:
    college: str
    season: str
    title: str
    term_starts_on: date
    opens_at: datetime
    closes_at: datetime
    template_text: str
    similarity_threshold: float
    created_at: datetime
    updated_at: datetime

    @property
    def window(self) -> SubmissionWindow:
        return SubmissionWindow(opens_at=self.opens_at, closes_at=self.closes_at)


@dataclass(frozen=True)
class SeasonPlan:
    """What the chair sets of a season; the window defaults to the first two weeks of term."""

    title: str
    term_starts_on: date
    opens_at: datetime | None
    closes_at: datetime | None
    template_text: str
    similarity_threshold: float


@dataclass(frozen=True)
class Team:
    """What is known so far of a project team (any field may still be missing)."""

    college: str
    team_id: UUID
    season: str | None
    title: str | None
    leader_id: str | None
    member_ids: list[str] | None
    advisor_id: str | None
    registered_at: datetime | None
    project_class: Literal["I", "II"] | None
    budget_yuan: int | None
    approved_at: datetime | None
    rejected_at: datetime | None

    @property
    def report_due(self) -> bool:
        """Registered (so its people are known) and approved, and never rejected."""
        return (
            self.registered_at is not None
            and self.approved_at is not None
            and self.rejected_at is None
            and self.season is not None
            and self.leader_id is not None
        )

    @property
    def author_ids(self) -> list[str]:
        """The leader first, then the members, each once."""
        people = [self.leader_id, *(self.member_ids or [])]
        return list(dict.fromkeys(p for p in people if p))


@dataclass(frozen=True)
class Report:
    college: str
    report_id: UUID
    season: str
    kind: ReportKind
    team_id: UUID | None
    title: str
    submitter_id: str
    author_ids: list[str]
    advisor_id: str | None
    project_class: Literal["I", "II"] | None
    expected_at: datetime
    current_version: int
    first_submitted_at: datetime | None
    late: bool
    integrity: Integrity

    @property
    def submitted(self) -> bool:
        return self.current_version >= 1

    def is_author(self, person_id: str) -> bool:
        return person_id in self.author_ids


@dataclass(frozen=True)
class ReportVersion:
    report_id: UUID
    version: int
    college: str
    submitted_by: str
    submitted_at: datetime
    late: bool
    source: Source
    filename: str | None
    sha256: str
    characters: int


@dataclass(frozen=True)
class Submission:
    """A version's content once read: the text reviewers and the similarity gate read,
    and the original file (None for a text submission)."""

    source: Source
    body: str
    sha256: str
    filename: str | None = None
    file: bytes | None = None
    content_type: str | None = None


def team_report(team: Team, *, report_id: UUID, now: datetime) -> Report:
    """The one report an approved team owes: its leader submits, all of it authors."""
    if not team.report_due or team.season is None or team.leader_id is None:
        raise ValueError("a team owes a report only once registered and approved")
    return Report(
        college=team.college,
        report_id=report_id,
        season=team.season,
        kind="team",
        team_id=team.team_id,
        title=team.title or "",
        submitter_id=team.leader_id,
        author_ids=team.author_ids,
        advisor_id=team.advisor_id,
        project_class=team.project_class,
        expected_at=now,
        current_version=0,
        first_submitted_at=None,
        late=False,
        integrity="clear",
    )


def individual_report(
    *, college: str, season: str, student_id: str, title: str, report_id: UUID, now: datetime
) -> Report:
    return Report(
        college=college,
        report_id=report_id,
        season=season,
        kind="individual",
        team_id=None,
        title=title,
        submitter_id=student_id,
        author_ids=[student_id],
        advisor_id=None,
        project_class=None,
        expected_at=now,
        current_version=0,
        first_submitted_at=None,
        late=False,
        integrity="clear",
    )


def expected_event(report: Report, season: Season) -> ReportExpected:
    return ReportExpected(
        college=report.college,
        report_id=report.report_id,
        season=report.season,
        kind=report.kind,
        team_id=report.team_id,
        title=report.title[:200],
        submitter_id=report.submitter_id,
        author_ids=report.author_ids,
        project_class=report.project_class,
        opens_at=season.opens_at,
        closes_at=season.closes_at,
    )


def ensure_submitter(report: Report, person_id: str) -> None:
    """Only the team leader (or the individual the requirement names) submits."""
    if person_id != report.submitter_id:
        who = "the team leader" if report.kind == "team" else "the student it is expected of"
        raise RuleBroken(
            "only_submitter_submits",
            field="report_id",
            message=f"only {who} ({report.submitter_id}) may submit this report",
        )


def ensure_report_text(body: str, *, field: str, max_characters: int) -> str:
    """The text of a version: not empty, not over the limit. Returned as kept."""
    text = body.strip()
    if not text:
        raise RuleBroken(
            "report_empty", field=field, message="the report has no text", invalid=True
        )
    if len(text) > max_characters:
        raise RuleBroken(
            "report_too_long",
            field=field,
            message=f"the report has {len(text)} characters; at most {max_characters}",
            invalid=True,
        )
    return text


def new_version(
    report: Report, submission: Submission, *, submitted_by: str, late: bool, now: datetime
) -> ReportVersion:
    return ReportVersion(
        report_id=report.report_id,
        version=report.current_version + 1,
        college=report.college,
        submitted_by=submitted_by,
        submitted_at=now,
        late=late,
        source=submission.source,
        filename=submission.filename,
        sha256=submission.sha256,
        characters=len(submission.body),
    )


def submitted_event(report: Report, version: ReportVersion) -> ReportSubmitted:
    return ReportSubmitted(
        college=report.college,
        report_id=report.report_id,
        season=report.season,
        version=version.version,
        submitted_by=version.submitted_by,
        source=version.source,
        characters=version.characters,
        sha256=version.sha256,
        late=version.late,
        submitted_at=version.submitted_at,
    )
