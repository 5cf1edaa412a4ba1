"""Application deadlines (报名截止提醒): who is reminded before a recruitment campaign stops
taking applications, or a project season stops taking teams (暑期社会实践项目申报), and
when that changes. Each runs in the transaction it is handed.

A project season is a deadline like a campaign's (its subject id `season_deadline(...)`,
which no campaign id can be): the students of a registered team are its applicants.

The audience is the college's volunteer pool — its current members (departments and
volunteer-corps units) and the volunteers it enrolled from earlier campaigns — less
everyone who has applied to the campaign. A campaign is open to every student, but
notifications only knows the people other services' events name; of those, the pool are
the ones a campaign is for (people already serving), and reminding them stays within the
college (the tenant). Applicants, whatever became of their application (withdrawn
included), are never reminded of that campaign's deadline.

- a campaign opens (or is described again with another closing time): everyone in the
  pool who has not applied is reminded at the deadline leads before it closes;
- someone applies: their reminders of that campaign are cancelled;
- someone joins the pool while campaigns are open: reminded of each they have not
  applied to (at once, when every lead has passed — the reminders' rule);
- someone leaves the pool (their last membership ends): their pending reminders of the
  open campaigns are cancelled;
- the campaign closes: nobody is reminded of it (a season's window simply ends).

Every change takes the college's advisory lock first (repository.lock_college), so two
replicas applying events of one college at once never act on what the other has not yet
committed. `leads`: the deadline leads of the settings unless given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from services.notifications.domain.reminders import (
    SubjectKind,
    application_audience,
    leads_within_window,
)
from services.notifications.repository import deadline_audience as repository
from services.notifications.repository import reminders as reminder_rows
from services.notifications.service import reminders

KIND = SubjectKind.APPLICATION_DEADLINE
MEMBERSHIP, VOLUNTEER = "membership", "volunteer"


def _opening(fields: Mapping[str, Any]) -> datetime | None:
    """The window's opening kept with a subject, else None."""
    found = fields.get("opens_at")
    return None if found is None else datetime.fromisoformat(str(found))


def _inside_window(
    leads: Sequence[timedelta] | None, *, opens_at: datetime | None, closes_at: datetime
) -> tuple[timedelta, ...]:
    """The deadline's leads (the settings' unless given) that fall inside its window."""
    chosen = reminders.leads_for(KIND) if leads is None else leads
    return leads_within_window(chosen, opens_at=opens_at, closes_at=closes_at)


def season_deadline(season: str) -> str:
    """The deadline's subject id of a project season ('/' is in no campaign id)."""
    return f"project-season/{season}"


async def campaign_opened(
    conn: asyncpg.Connection,
    *,
    college: str,
    campaign_id: str,
    title: str,
    closes_at: datetime,
    now: datetime,
    what: str = "application",
    opens_at: datetime | None = None,
    leads: Sequence[timedelta] | None = None,
) -> None:
    """`what` the reminder names: "application" (a campaign's), "project" (a season's);
    `opens_at`: when the window opens, if known, so nobody is reminded before it (kept
    with the subject for the pool's newcomers)."""
    await repository.lock_college(conn, college=college)
    audience = application_audience(
        await repository.pool(conn, college=college),
        await repository.applicants(conn, college=college, campaign_id=campaign_id),
    )
    await reminders.describe_subject(
        conn,
        college=college,
        subject_kind=KIND,
        subject_id=campaign_id,
        starts_at=closes_at,
        fields={
            "what": what,
            "title": title,
            "due_at": closes_at,
            **({} if opens_at is None else {"opens_at": opens_at}),
        },
        holders=audience,
        now=now,
        leads=_inside_window(leads, opens_at=opens_at, closes_at=closes_at),
    )


async def campaign_closed(
    conn: asyncpg.Connection, *, college: str, campaign_id: str, now: datetime
) -> None:
    # Under the lock too: a person joining on another replica must not describe the
    # campaign again (un-cancelling it) from a list of open campaigns read before this.
    await repository.lock_college(conn, college=college)
    await reminders.cancel_subject(
        conn, college=college, subject_kind=KIND, subject_id=campaign_id, now=now
    )


async def applied(
    conn: asyncpg.Connection,
    *,
    college: str,
    campaign_id: str,
    person_id: str,
    applied_at: datetime,
    now: datetime,
) -> None:
    await repository.lock_college(conn, college=college)
    await repository.record_applicant(
        conn, college=college, campaign_id=campaign_id, person_id=person_id, applied_at=applied_at
    )
    await reminders.remove_person(
        conn,
        college=college,
        subject_kind=KIND,
        subject_id=campaign_id,
        person_id=person_id,
        now=now,
    )


async def joined_pool(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    source: str,
    source_id: str,
    since: datetime,
    now: datetime,
    leads: Sequence[timedelta] | None = None,
) -> None:
    await repository.lock_college(conn, college=college)
    await repository.join_pool(
        conn,
        college=college,
        person_id=person_id,
        source=source,
        source_id=source_id,
        since=since,
    )
    if not await repository.in_pool(conn, college=college, person_id=person_id):
        return  # this membership's end came first (redelivered out of order): not in the pool
    campaigns = await reminder_rows.open_subjects(
        conn, college=college, subject_kind=KIND, after=now
    )
    for campaign in campaigns:
        if await repository.has_applied(
            conn, college=college, campaign_id=campaign.subject_id, person_id=person_id
        ):
            continue
        await reminders.add_person(
            conn,
            college=college,
            subject_kind=KIND,
            subject_id=campaign.subject_id,
            person_id=person_id,
            starts_at=campaign.starts_at,
            fields=campaign.fields,
            now=now,
            leads=_inside_window(
                leads, opens_at=_opening(campaign.fields), closes_at=campaign.starts_at
            ),
        )


async def left_pool(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    source: str,
    source_id: str,
    ended_at: datetime,
    now: datetime,
) -> None:
    await repository.lock_college(conn, college=college)
    await repository.leave_pool(
        conn,
        college=college,
        person_id=person_id,
        source=source,
        source_id=source_id,
        ended_at=ended_at,
    )
    if await repository.in_pool(conn, college=college, person_id=person_id):
        return  # still a member elsewhere, or a volunteer
    campaigns = await reminder_rows.open_subjects(
        conn, college=college, subject_kind=KIND, after=now
    )
    for campaign in campaigns:
        await reminders.remove_person(
            conn,
            college=college,
            subject_kind=KIND,
            subject_id=campaign.subject_id,
            person_id=person_id,
            now=now,
        )
