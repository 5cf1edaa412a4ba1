"""Summer social-practice project teams (暑期社会实践项目申报), DOMAIN.md §1.

A college's committee opens a season with a fixed application window; a student
leader registers a team of 3–10 students with exactly one advisor teacher; a
student may be in only ONE project per season; the review committee approves a
project as Class I (college-funded, with a budget) or Class II (self-funded), or
rejects it with a reason. Cross-class and cross-department teams are allowed, so
nothing here looks at a member's class or department.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

from services.recruitment.domain.rules import RuleBroken
from shared.events.recruitment import (
    ProjectSeasonOpened,
    ProjectTeamApproved,
    ProjectTeamRegistered,
    ProjectTeamRejected,
)

# The window is announced as calendar dates ("8–15 May") on the university's clock.
CAMPUS_TIME = ZoneInfo("Asia/Shanghai")
SMALLEST_TEAM = 3
LARGEST_TEAM = 10


class TeamStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ProjectClass(StrEnum):
    COLLEGE_FUNDED = "I"
    SELF_FUNDED = "II"


@dataclass(frozen=True)
class ProjectSeason:
    college: str
    season: str
    title: str
    opens_on: date
    closes_on: date
    opened_by: str
    opened_at: datetime

    def window_is_open(self, now: datetime) -> bool:
        """From midnight of the first day to midnight after the last, campus time.

        Compared as campus days, not instants: a window's edges are then never built by
        date arithmetic, which overflows for a day at the end of the calendar (a season
        stored before request dates were bounded may reach 9999-12-31).
        """
        return self.opens_on <= now.astimezone(CAMPUS_TIME).date() <= self.closes_on

    @property
    def applications_open_at(self) -> datetime:
        """Midnight before the window's first day, campus time: when it takes teams."""
        return datetime.combine(self.opens_on, time(), CAMPUS_TIME)

    @property
    def applications_close_at(self) -> datetime:
        """Midnight after the window's last day, campus time: when it stops taking teams.
        (Seasons are opened with sane dates, so the day after the last one exists.)"""
        return datetime.combine(self.closes_on + timedelta(days=1), time(), CAMPUS_TIME)


@dataclass(frozen=True)
class OtherTeam:
    """The team a student already belongs to this season (named in the refusal)."""

    team_id: UUID
    title: str


@dataclass(frozen=True)
class ProjectTeam:
    id: UUID
    college: str
    season: str
    title: str
    summary: str
    leader_id: str
    member_ids: tuple[str, ...]
    advisor_id: str
    status: TeamStatus
    registered_at: datetime
    project_class: ProjectClass | None = None
    budget_yuan: int | None = None
    rejection_reason: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None


# Roles that see every team of their college: the committee and the administration.
SEES_ALL_TEAMS = frozenset({"officer", "reviewer", "college_admin", "university_admin"})


def may_see(team: ProjectTeam, *, user_id: str, roles: frozenset[str]) -> bool:
    """The committee sees every team; a student their own team, a teacher the one they advise."""
    if not roles.isdisjoint(SEES_ALL_TEAMS):
        return True
    is_member = "student" in roles and user_id in team.member_ids
    advises = "teacher" in roles and user_id == team.advisor_id
    return is_member or advises


@dataclass(frozen=True)
class TeamFilter:
    """Which teams of a season a listing shows: all of them (`everyone`), or only those
    `member_id` is in or `advisor_id` advises; of one status or any."""

    status: TeamStatus | None = None
    everyone: bool = False
    member_id: str | None = None
    advisor_id: str | None = None

    @classmethod
    def for_reader(
        cls, *, user_id: str, roles: frozenset[str], status: TeamStatus | None
    ) -> TeamFilter:
        """What this reader may list: the same teams `may_see` lets them read."""
        return cls(
            status=status,
            everyone=not roles.isdisjoint(SEES_ALL_TEAMS),
            member_id=user_id if "student" in roles else None,
            advisor_id=user_id if "teacher" in roles else None,
        )


def open_season(
    *,
    college: str,
    season: str,
    title: str,
    opens_on: date,
    closes_on: date,
    opened_by: str,
    season_exists: bool,
    now: datetime,
) -> ProjectSeason:
    """A season is opened once; its window must not end before it starts."""
    if closes_on < opens_on:
        raise RuleBroken(
            field="closes_on",
            rule="window_order",
            message="the application window cannot close before it opens",
            invalid=True,
        )
    if season_exists:
        raise one_season_per_name_broken(season)
    return ProjectSeason(
        college=college,
        season=season,
        title=title,
        opens_on=opens_on,
        closes_on=closes_on,
        opened_by=opened_by,
        opened_at=now,
    )


def season_opened(season: ProjectSeason) -> ProjectSeasonOpened:
    """What the opening of a season tells other services (reminders of its deadline)."""
    return ProjectSeasonOpened(
        college=season.college,
        season=season.season,
        title=season.title,
        opens_on=season.opens_on,
        closes_on=season.closes_on,
        applications_open_at=season.applications_open_at,
        applications_close_at=season.applications_close_at,
        opened_by=season.opened_by,
        opened_at=season.opened_at,
    )


def one_season_per_name_broken(season: str) -> RuleBroken:
    # Shared with the service, which meets the same rule as a database race.
    return RuleBroken(
        field="season",
        rule="one_season_per_name",
        message=f"season {season} is already open in this college",
    )


def one_project_per_season_broken(student_id: str, other: OtherTeam) -> RuleBroken:
    # Shared with the service, which meets the same rule as a database race.
    return RuleBroken(
        field="member_ids",
        rule="one_project_per_season",
        message=(
            f"student {student_id} is already in team “{other.title}” ({other.team_id}) "
            "this season; a student may join only one project per season"
        ),
    )


def check_team_shape(
    *, leader_id: str, member_ids: Sequence[str], advisor_ids: Sequence[str]
) -> None:
    """3–10 distinct students including the leader, and exactly one advisor teacher."""
    if len(set(member_ids)) != len(member_ids):
        raise RuleBroken(
            field="member_ids",
            rule="no_duplicate_members",
            message="a student is listed twice in the team",
            invalid=True,
        )
    if not SMALLEST_TEAM <= len(member_ids) <= LARGEST_TEAM:
        raise RuleBroken(
            field="member_ids",
            rule="team_size",
            message=(
                f"a team has {SMALLEST_TEAM}–{LARGEST_TEAM} students including the leader, "
                f"not {len(member_ids)}"
            ),
            invalid=True,
        )
    if leader_id not in member_ids:
        raise RuleBroken(
            field="member_ids",
            rule="leader_is_member",
            message="the team leader must be one of the team's students",
            invalid=True,
        )
    if len(advisor_ids) != 1:
        raise RuleBroken(
            field="advisor_ids",
            rule="one_advisor",
            message=f"a team has exactly one advisor teacher, not {len(advisor_ids)}",
            invalid=True,
        )
    if advisor_ids[0] in member_ids:
        raise RuleBroken(
            field="advisor_ids",
            rule="advisor_is_not_a_member",
            message="the advisor teacher cannot also be one of the team's students",
            invalid=True,
        )


def register_team(
    *,
    team_id: UUID,
    season: ProjectSeason,
    title: str,
    summary: str,
    leader_id: str,
    member_ids: Sequence[str],
    advisor_ids: Sequence[str],
    teams_of_members: Mapping[str, OtherTeam],
    now: datetime,
) -> tuple[ProjectTeam, ProjectTeamRegistered]:
    """A team registers within its season's window, each student in no other team."""
    check_team_shape(leader_id=leader_id, member_ids=member_ids, advisor_ids=advisor_ids)
    if not season.window_is_open(now):
        raise RuleBroken(
            field="season",
            rule="application_window",
            message=(
                f"applications for {season.season} are taken from {season.opens_on} "
                f"to {season.closes_on} (Asia/Shanghai) only"
            ),
        )
    for student_id in member_ids:
        other = teams_of_members.get(student_id)
        if other is not None:
            raise one_project_per_season_broken(student_id, other)
    team = ProjectTeam(
        id=team_id,
        college=season.college,
        season=season.season,
        title=title,
        summary=summary,
        leader_id=leader_id,
        member_ids=tuple(member_ids),
        advisor_id=advisor_ids[0],
        status=TeamStatus.PENDING,
        registered_at=now,
    )
    event = ProjectTeamRegistered(
        college=team.college,
        team_id=team.id,
        season=team.season,
        title=team.title,
        leader_id=team.leader_id,
        member_ids=list(team.member_ids),
        advisor_id=team.advisor_id,
        registered_at=now,
    )
    return team, event


def _only_pending(team: ProjectTeam) -> None:
    if team.status is not TeamStatus.PENDING:
        raise RuleBroken(
            field="status",
            rule="decided_once",
            message=f"the team was already {team.status.value}; a project is decided once",
        )


def approve_team(
    *,
    team: ProjectTeam,
    project_class: ProjectClass,
    budget_yuan: int | None,
    reviewer_id: str,
    now: datetime,
) -> tuple[ProjectTeam, ProjectTeamApproved]:
    """Class I is funded by the college, so it needs a budget; Class II is self-funded."""
    if project_class is ProjectClass.COLLEGE_FUNDED and (budget_yuan is None or budget_yuan <= 0):
        raise RuleBroken(
            field="budget_yuan",
            rule="class_one_needs_a_budget",
            message="a Class I project is college-funded: give its budget in yuan (> 0)",
            invalid=True,
        )
    if project_class is ProjectClass.SELF_FUNDED and budget_yuan is not None:
        raise RuleBroken(
            field="budget_yuan",
            rule="class_two_is_self_funded",
            message="a Class II project is self-funded: it has no college budget",
            invalid=True,
        )
    _only_pending(team)
    approved = replace(
        team,
        status=TeamStatus.APPROVED,
        project_class=project_class,
        budget_yuan=budget_yuan,
        decided_by=reviewer_id,
        decided_at=now,
    )
    event = ProjectTeamApproved(
        college=team.college,
        team_id=team.id,
        season=team.season,
        project_class=project_class.value,
        budget_yuan=budget_yuan,
        approved_at=now,
    )
    return approved, event


def reject_team(
    *, team: ProjectTeam, reason: str, reviewer_id: str, now: datetime
) -> tuple[ProjectTeam, ProjectTeamRejected]:
    """A rejection always says why, so the team can learn from it."""
    if not reason.strip():
        raise RuleBroken(
            field="reason",
            rule="rejection_needs_a_reason",
            message="say why the project is rejected",
            invalid=True,
        )
    _only_pending(team)
    rejected = replace(
        team,
        status=TeamStatus.REJECTED,
        rejection_reason=reason.strip(),
        decided_by=reviewer_id,
        decided_at=now,
    )
    event = ProjectTeamRejected(
        college=team.college,
        team_id=team.id,
        season=team.season,
        reason=reason.strip(),
        rejected_at=now,
    )
    return rejected, event
