"""Project-team rules (暑期社会实践项目申报), DOMAIN.md §1."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from services.recruitment.domain.teams import (
    CAMPUS_TIME,
    OtherTeam,
    ProjectClass,
    ProjectSeason,
    ProjectTeam,
    TeamStatus,
    approve_team,
    open_season,
    register_team,
    reject_team,
    season_opened,
)
from services.recruitment.repository.teams import take_seats
from shared.events.recruitment import ProjectTeamRegistered
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit

# 8 May 2026, 09:30 in Shanghai.
IN_WINDOW = datetime(2026, 5, 8, 1, 30, tzinfo=UTC)
SEASON = ProjectSeason(
    college="cs",
    season="2026-summer",
    title="2026年暑期社会实践",
    opens_on=date(2026, 5, 8),
    closes_on=date(2026, 5, 15),
    opened_by="cs-officer",
    opened_at=datetime(2026, 4, 20, tzinfo=UTC),
)


def form_invalid(broken: RuleBroken) -> bool:
    return broken.invalid  # answered 422: the request itself is wrong


def conflict(broken: RuleBroken) -> bool:
    return not broken.invalid  # answered 409: it clashes with what is on record


STUDENTS = ("s01", "s02", "s03", "s04", "s05", "s06", "s07", "s08", "s09", "s10", "s11")


def register(
    *,
    members: tuple[str, ...] = STUDENTS[:4],
    advisors: tuple[str, ...] = ("t-zhang",),
    leader: str = "s01",
    teams_of_members: Mapping[str, OtherTeam] | None = None,
    now: datetime = IN_WINDOW,
) -> tuple[ProjectTeam, ProjectTeamRegistered]:
    return register_team(
        team_id=uuid4(),
        season=SEASON,
        title="乡村留守儿童阅读推广",
        summary="在三所村小开展暑期阅读活动",
        leader_id=leader,
        member_ids=members,
        advisor_ids=advisors,
        teams_of_members=teams_of_members or {},
        now=now,
    )


def pending_team() -> ProjectTeam:
    team, _ = register()
    return team


# --- registration -------------------------------------------------------------------


def test_a_team_of_four_with_one_advisor_registers_and_is_announced() -> None:
    team, event = register()
    assert team.status is TeamStatus.PENDING
    assert team.member_ids == ("s01", "s02", "s03", "s04")
    assert team.advisor_id == "t-zhang"
    assert event.team_id == team.id
    assert event.aggregate_id == str(team.id)
    assert event.member_ids == ["s01", "s02", "s03", "s04"]
    assert event.college == "cs"


def test_a_team_of_two_is_refused() -> None:
    with pytest.raises(RuleBroken, check=form_invalid) as refused:
        register(members=STUDENTS[:2])
    assert (refused.value.field, refused.value.rule) == ("member_ids", "team_size")


def test_a_team_of_eleven_is_refused() -> None:
    with pytest.raises(RuleBroken, check=form_invalid) as refused:
        register(members=STUDENTS[:11])
    assert refused.value.rule == "team_size"


@pytest.mark.parametrize("size", [3, 10])
def test_teams_of_three_and_of_ten_are_allowed(size: int) -> None:
    team, _ = register(members=STUDENTS[:size])
    assert len(team.member_ids) == size


def test_two_advisors_are_refused() -> None:
    with pytest.raises(RuleBroken, check=form_invalid) as refused:
        register(advisors=("t-zhang", "t-li"))
    assert (refused.value.field, refused.value.rule) == ("advisor_ids", "one_advisor")


def test_a_team_without_an_advisor_is_refused() -> None:
    with pytest.raises(RuleBroken, check=form_invalid) as refused:
        register(advisors=())
    assert refused.value.rule == "one_advisor"


def test_a_student_listed_twice_is_refused() -> None:
    with pytest.raises(RuleBroken, check=form_invalid) as refused:
        register(members=("s01", "s02", "s02", "s03"))
    assert (refused.value.field, refused.value.rule) == ("member_ids", "no_duplicate_members")


def test_the_leader_must_be_one_of_the_students() -> None:
    with pytest.raises(RuleBroken, check=form_invalid) as refused:
        register(leader="s09")
    assert refused.value.rule == "leader_is_member"


def test_the_advisor_cannot_also_be_a_student_member() -> None:
    with pytest.raises(RuleBroken, check=form_invalid) as refused:
        register(advisors=("s02",))
    assert refused.value.rule == "advisor_is_not_a_member"


def test_a_student_already_in_another_team_this_season_is_refused_naming_that_team() -> None:
    other = OtherTeam(team_id=uuid4(), title="红色文化寻访")
    with pytest.raises(RuleBroken, check=conflict) as refused:
        register(teams_of_members={"s03": other})
    assert (refused.value.field, refused.value.rule) == ("member_ids", "one_project_per_season")
    assert "红色文化寻访" in str(refused.value)
    assert str(other.team_id) in str(refused.value)
    assert "s03" in str(refused.value)


def test_registering_before_the_window_opens_is_refused() -> None:
    # 7 May 23:59 in Shanghai is still 7 May: the window opens at midnight campus time.
    with pytest.raises(RuleBroken, check=conflict) as refused:
        register(now=datetime(2026, 5, 7, 15, 59, tzinfo=UTC))
    assert (refused.value.field, refused.value.rule) == ("season", "application_window")


def test_the_window_opens_at_midnight_campus_time() -> None:
    team, _ = register(now=datetime(2026, 5, 7, 16, 0, tzinfo=UTC))
    assert team.status is TeamStatus.PENDING


def test_the_last_day_of_the_window_counts_until_midnight_campus_time() -> None:
    team, _ = register(now=datetime(2026, 5, 15, 15, 59, 59, tzinfo=UTC))
    assert team.status is TeamStatus.PENDING


def test_registering_after_the_window_closes_is_refused() -> None:
    with pytest.raises(RuleBroken, check=conflict) as refused:
        register(now=datetime(2026, 5, 15, 16, 0, tzinfo=UTC))
    assert refused.value.rule == "application_window"


def test_a_season_stored_at_the_ends_of_the_calendar_still_answers_without_overflow() -> None:
    # Requests now bound a season's days to 1900-2200, but one opened before could span
    # 0001-01-01 to 9999-12-31: the day after its last is past Python's calendar.
    forever = replace(SEASON, opens_on=date.min, closes_on=date.max)
    assert forever.window_is_open(IN_WINDOW)
    assert forever.window_is_open(datetime.max.replace(tzinfo=UTC) - timedelta(days=1))
    assert not replace(SEASON, closes_on=date.min).window_is_open(IN_WINDOW)


def test_cross_class_and_cross_department_teams_are_allowed() -> None:
    # Ids from different classes and departments: nothing about them is checked.
    members = ("cs-2023-1-01", "cs-2024-3-17", "math-2022-2-05")
    team, _ = register(members=members, leader=members[0])
    assert len(team.member_ids) == 3


# --- seasons ------------------------------------------------------------------------


def test_a_season_window_cannot_close_before_it_opens() -> None:
    with pytest.raises(RuleBroken, check=form_invalid) as refused:
        open_season(
            college="cs",
            season="2026-summer",
            title="暑期社会实践",
            opens_on=date(2026, 5, 15),
            closes_on=date(2026, 5, 8),
            opened_by="o",
            season_exists=False,
            now=IN_WINDOW,
        )
    assert (refused.value.field, refused.value.rule) == ("closes_on", "window_order")


def test_a_season_is_opened_once() -> None:
    with pytest.raises(RuleBroken, check=conflict) as refused:
        open_season(
            college="cs",
            season="2026-summer",
            title="暑期社会实践",
            opens_on=date(2026, 5, 8),
            closes_on=date(2026, 5, 15),
            opened_by="o",
            season_exists=True,
            now=IN_WINDOW,
        )
    assert refused.value.rule == "one_season_per_name"


def test_a_one_day_window_is_allowed() -> None:
    season = open_season(
        college="cs",
        season="2026-summer",
        title="暑期社会实践",
        opens_on=date(2026, 5, 8),
        closes_on=date(2026, 5, 8),
        opened_by="o",
        season_exists=False,
        now=IN_WINDOW,
    )
    assert season.window_is_open(IN_WINDOW)


def test_an_opened_season_says_when_it_stops_taking_teams() -> None:
    season = open_season(
        college="cs",
        season="2026-summer",
        title="2026年暑期社会实践项目申报",
        opens_on=date(2026, 5, 8),
        closes_on=date(2026, 5, 15),
        opened_by="cs-officer",
        season_exists=False,
        now=IN_WINDOW,
    )
    event = season_opened(season)
    # Midnight after 15 May, campus time: still open at 23:59 on the 15th, closed after.
    assert event.applications_close_at == datetime(2026, 5, 16, tzinfo=CAMPUS_TIME)
    assert event.applications_close_at == datetime(2026, 5, 15, 16, 0, tzinfo=UTC)
    assert event.applications_open_at == datetime(2026, 5, 7, 16, 0, tzinfo=UTC)
    assert season.window_is_open(event.applications_open_at)
    assert not season.window_is_open(event.applications_open_at - timedelta(minutes=1))
    last_minute = event.applications_close_at - timedelta(minutes=1)
    assert season.window_is_open(last_minute)
    assert not season.window_is_open(event.applications_close_at)
    assert (event.college, event.season, event.title) == ("cs", "2026-summer", season.title)
    assert (event.opens_on, event.closes_on, event.opened_by) == (
        date(2026, 5, 8),
        date(2026, 5, 15),
        "cs-officer",
    )


# --- review -------------------------------------------------------------------------


def test_a_class_one_project_is_approved_with_its_budget() -> None:
    team, event = approve_team(
        team=pending_team(),
        project_class=ProjectClass.COLLEGE_FUNDED,
        budget_yuan=3000,
        reviewer_id="r1",
        now=IN_WINDOW,
    )
    assert team.status is TeamStatus.APPROVED
    assert (team.project_class, team.budget_yuan) == (ProjectClass.COLLEGE_FUNDED, 3000)
    assert (event.project_class, event.budget_yuan) == ("I", 3000)


@pytest.mark.parametrize("budget", [None, 0, -5])
def test_a_class_one_project_needs_a_budget(budget: int | None) -> None:
    with pytest.raises(RuleBroken, check=form_invalid) as refused:
        approve_team(
            team=pending_team(),
            project_class=ProjectClass.COLLEGE_FUNDED,
            budget_yuan=budget,
            reviewer_id="r1",
            now=IN_WINDOW,
        )
    assert (refused.value.field, refused.value.rule) == ("budget_yuan", "class_one_needs_a_budget")


def test_a_class_two_project_is_self_funded_and_has_no_budget() -> None:
    team, event = approve_team(
        team=pending_team(),
        project_class=ProjectClass.SELF_FUNDED,
        budget_yuan=None,
        reviewer_id="r1",
        now=IN_WINDOW,
    )
    assert team.budget_yuan is None and event.budget_yuan is None
    with pytest.raises(RuleBroken, check=form_invalid) as refused:
        approve_team(
            team=pending_team(),
            project_class=ProjectClass.SELF_FUNDED,
            budget_yuan=500,
            reviewer_id="r1",
            now=IN_WINDOW,
        )
    assert refused.value.rule == "class_two_is_self_funded"


def test_a_rejection_gives_its_reason() -> None:
    team, event = reject_team(
        team=pending_team(), reason="  选题与往年重复  ", reviewer_id="r1", now=IN_WINDOW
    )
    assert team.status is TeamStatus.REJECTED
    assert team.rejection_reason == event.reason == "选题与往年重复"


def test_a_rejection_without_a_reason_is_refused() -> None:
    with pytest.raises(RuleBroken, check=form_invalid) as refused:
        reject_team(team=pending_team(), reason="   ", reviewer_id="r1", now=IN_WINDOW)
    assert (refused.value.field, refused.value.rule) == ("reason", "rejection_needs_a_reason")


def test_a_decided_team_cannot_be_decided_again() -> None:
    approved, _ = approve_team(
        team=pending_team(),
        project_class=ProjectClass.SELF_FUNDED,
        budget_yuan=None,
        reviewer_id="r1",
        now=IN_WINDOW,
    )
    with pytest.raises(RuleBroken, check=conflict) as twice:
        reject_team(team=approved, reason="改判", reviewer_id="r2", now=IN_WINDOW)
    assert twice.value.rule == "decided_once"
    rejected, _ = reject_team(
        team=pending_team(), reason="材料不全", reviewer_id="r1", now=IN_WINDOW
    )
    with pytest.raises(RuleBroken, check=conflict):
        approve_team(
            team=rejected,
            project_class=ProjectClass.SELF_FUNDED,
            budget_yuan=None,
            reviewer_id="r1",
            now=IN_WINDOW,
        )


# --- seats ----------------------------------------------------------------------------


async def test_seats_are_taken_in_student_id_order_whatever_order_the_team_listed() -> None:
    """Two teams sharing students lock their seats in one order: they queue, never deadlock."""

    class RecordingConnection:
        def __init__(self) -> None:
            self.rows: list[tuple[object, ...]] = []

        async def executemany(self, sql: str, rows: list[tuple[object, ...]]) -> None:
            self.rows = rows

    team, _ = register(members=("s01", "s09", "s03", "s02"))
    conn = RecordingConnection()
    await take_seats(conn, team)
    assert [row[2] for row in conn.rows] == ["s01", "s02", "s03", "s09"]
    assert {row[3] for row in conn.rows} == {team.id}
