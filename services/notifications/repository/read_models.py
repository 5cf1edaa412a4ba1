"""SQL of the read models notifications folds from the other services' events. Every write
is an upsert or a no-op when repeated, so a replayed event changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from services.notifications.domain.route_model import Meeting, Report, Shift, Swap, Team


async def remember_campaign(
    conn: asyncpg.Connection, *, college: str, campaign_id: str, title: str
) -> None:
    await conn.execute(
        "INSERT INTO known_campaigns (college, campaign_id, title) VALUES ($1, $2, $3)"
        " ON CONFLICT (college, campaign_id) DO UPDATE SET title = EXCLUDED.title",
        college,
        campaign_id,
        title,
    )


async def campaign_title(conn: asyncpg.Connection, *, college: str, campaign_id: str) -> str | None:
    title: str | None = await conn.fetchval(
        "SELECT title FROM known_campaigns WHERE college = $1 AND campaign_id = $2",
        college,
        campaign_id,
    )
    return title


async def remember_applicant(
    conn: asyncpg.Connection,
    *,
    college: str,
    application_id: UUID,
    applicant_id: str,
    applicant_name: str,
    campaign_id: str,
) -> None:
    await conn.execute(
        "INSERT INTO known_applicants"
        " (college, application_id, applicant_id, applicant_name, campaign_id)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (college, application_id) DO NOTHING",
        college,
        application_id,
        applicant_id,
        applicant_name,
        campaign_id,
    )


async def start_membership(
    conn: asyncpg.Connection,
    *,
    college: str,
    membership_id: UUID,
    person_id: str,
    organisation_kind: str,
    organisation_id: str,
    role: str,
    started_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO known_memberships (college, membership_id, person_id, organisation_kind,"
        " organisation_id, role, started_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (college, membership_id) DO UPDATE SET role = EXCLUDED.role,"
        " started_at = EXCLUDED.started_at",
        college,
        membership_id,
        person_id,
        organisation_kind,
        organisation_id,
        role,
        started_at,
    )


async def end_membership(
    conn: asyncpg.Connection,
    *,
    college: str,
    membership_id: UUID,
    person_id: str,
    organisation_kind: str,
    organisation_id: str,
    ended_at: datetime,
) -> None:
    """Ends it (remembered ended even when its start was never seen)."""
    await conn.execute(
        "INSERT INTO known_memberships (college, membership_id, person_id, organisation_kind,"
        " organisation_id, ended_at) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (college, membership_id) DO UPDATE SET ended_at = EXCLUDED.ended_at",
        college,
        membership_id,
        person_id,
        organisation_kind,
        organisation_id,
        ended_at,
    )


async def current_members(
    conn: asyncpg.Connection, *, college: str, organisation_kind: str, organisation_id: str
) -> list[str]:
    rows = await conn.fetch(
        "SELECT DISTINCT person_id FROM known_memberships WHERE college = $1"
        " AND organisation_kind = $2 AND organisation_id = $3 AND ended_at IS NULL"
        " ORDER BY person_id",
        college,
        organisation_kind,
        organisation_id,
    )
    return [row["person_id"] for row in rows]


async def remember_team(
    conn: asyncpg.Connection, *, college: str, team_id: UUID, season: str, team: Team
) -> None:
    await conn.execute(
        "INSERT INTO known_teams (college, team_id, season, title, leader_id, member_ids,"
        " advisor_id) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (college, team_id)"
        " DO UPDATE SET title = EXCLUDED.title, leader_id = EXCLUDED.leader_id,"
        " member_ids = EXCLUDED.member_ids, advisor_id = EXCLUDED.advisor_id",
        college,
        team_id,
        season,
        team.title,
        team.leader_id,
        list(team.member_ids),
        team.advisor_id,
    )


async def team(conn: asyncpg.Connection, *, college: str, team_id: UUID) -> Team | None:
    row = await conn.fetchrow(
        "SELECT * FROM known_teams WHERE college = $1 AND team_id = $2", college, team_id
    )
    if row is None:
        return None
    return Team(row["title"], row["leader_id"], tuple(row["member_ids"]), row["advisor_id"])


async def remember_report(
    conn: asyncpg.Connection,
    *,
    college: str,
    report_id: UUID,
    season: str,
    team_id: UUID | None,
    report: Report,
) -> None:
    await conn.execute(
        "INSERT INTO known_reports (college, report_id, season, title, team_id, submitter_id,"
        " author_ids) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (college, report_id)"
        " DO UPDATE SET title = EXCLUDED.title, submitter_id = EXCLUDED.submitter_id,"
        " author_ids = EXCLUDED.author_ids",
        college,
        report_id,
        season,
        report.title,
        team_id,
        report.submitter_id,
        list(report.author_ids),
    )


async def report(conn: asyncpg.Connection, *, college: str, report_id: UUID) -> Report | None:
    row = await conn.fetchrow(
        "SELECT r.title, r.submitter_id, r.author_ids, t.title AS team_title"
        " FROM known_reports r LEFT JOIN known_teams t"
        "   ON t.college = r.college AND t.team_id = r.team_id"
        " WHERE r.college = $1 AND r.report_id = $2",
        college,
        report_id,
    )
    if row is None:
        return None
    return Report(
        row["title"] or row["team_title"] or "", row["submitter_id"], tuple(row["author_ids"])
    )


async def remember_meeting(
    conn: asyncpg.Connection, *, college: str, meeting_id: UUID, meeting: Meeting
) -> None:
    await conn.execute(
        "INSERT INTO known_meetings (college, meeting_id, organisation_kind, organisation_id,"
        " title, starts_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (college, meeting_id)"
        " DO UPDATE SET title = EXCLUDED.title, starts_at = EXCLUDED.starts_at",
        college,
        meeting_id,
        meeting.organisation_kind,
        meeting.organisation_id,
        meeting.title,
        meeting.starts_at,
    )


async def meeting(conn: asyncpg.Connection, *, college: str, meeting_id: UUID) -> Meeting | None:
    row = await conn.fetchrow(
        "SELECT * FROM known_meetings WHERE college = $1 AND meeting_id = $2", college, meeting_id
    )
    if row is None:
        return None
    return Meeting(row["title"], row["starts_at"], row["organisation_kind"], row["organisation_id"])


async def remember_shift(
    conn: asyncpg.Connection, *, college: str, shift_id: UUID, rota_id: UUID, shift: Shift
) -> None:
    await conn.execute(
        "INSERT INTO known_shifts (college, shift_id, rota_id, post, place, starts_at, ends_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (college, shift_id) DO UPDATE SET"
        " post = EXCLUDED.post, place = EXCLUDED.place, starts_at = EXCLUDED.starts_at,"
        " ends_at = EXCLUDED.ends_at",
        college,
        shift_id,
        rota_id,
        shift.post,
        shift.place,
        shift.starts_at,
        shift.ends_at,
    )


async def move_shift(
    conn: asyncpg.Connection,
    *,
    college: str,
    shift_id: UUID,
    starts_at: datetime,
    ends_at: datetime,
) -> None:
    await conn.execute(
        "UPDATE known_shifts SET starts_at = $3, ends_at = $4 WHERE college = $1 AND shift_id = $2",
        college,
        shift_id,
        starts_at,
        ends_at,
    )


async def seat_holders(
    conn: asyncpg.Connection,
    *,
    college: str,
    shift_id: UUID,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
) -> None:
    if remove:
        await conn.execute(
            "DELETE FROM known_shift_holders WHERE college = $1 AND shift_id = $2"
            " AND person_id = ANY($3::text[])",
            college,
            shift_id,
            list(remove),
        )
    if add:
        await conn.executemany(
            "INSERT INTO known_shift_holders (college, shift_id, person_id) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING",
            [(college, shift_id, person) for person in add],
        )


async def shift(conn: asyncpg.Connection, *, college: str, shift_id: UUID) -> Shift | None:
    row = await conn.fetchrow(
        "SELECT * FROM known_shifts WHERE college = $1 AND shift_id = $2", college, shift_id
    )
    if row is None:
        return None
    return Shift(row["post"], row["place"], row["starts_at"], row["ends_at"])


async def next_shift_holders(
    conn: asyncpg.Connection, *, college: str, shift_id: UUID
) -> list[str]:
    """Who holds the next shift with holders at the same post of the same rota."""
    rows = await conn.fetch(
        "WITH this AS (SELECT rota_id, post, starts_at FROM known_shifts"
        "              WHERE college = $1 AND shift_id = $2),"
        " next AS (SELECT s.shift_id FROM known_shifts s, this"
        "          WHERE s.college = $1 AND s.rota_id = this.rota_id AND s.post = this.post"
        "            AND s.starts_at > this.starts_at"
        "            AND EXISTS (SELECT 1 FROM known_shift_holders h"
        "                        WHERE h.college = $1 AND h.shift_id = s.shift_id)"
        "          ORDER BY s.starts_at LIMIT 1)"
        " SELECT h.person_id FROM known_shift_holders h JOIN next USING (shift_id)"
        " WHERE h.college = $1 ORDER BY h.person_id",
        college,
        shift_id,
    )
    return [row["person_id"] for row in rows]


async def remember_swap(
    conn: asyncpg.Connection, *, college: str, swap_id: UUID, swap: Swap
) -> None:
    await conn.execute(
        "INSERT INTO known_swaps (college, swap_id, requester_id, partner_id)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (college, swap_id) DO NOTHING",
        college,
        swap_id,
        swap.requester_id,
        swap.partner_id,
    )


async def swap(conn: asyncpg.Connection, *, college: str, swap_id: UUID) -> Swap | None:
    row = await conn.fetchrow(
        "SELECT * FROM known_swaps WHERE college = $1 AND swap_id = $2", college, swap_id
    )
    return Swap(row["requester_id"], row["partner_id"]) if row else None


async def remember_activity(
    conn: asyncpg.Connection, *, college: str, activity_id: UUID, department_id: str, title: str
) -> None:
    await conn.execute(
        "INSERT INTO known_activities (college, activity_id, department_id, title)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (college, activity_id)"
        " DO UPDATE SET title = EXCLUDED.title",
        college,
        activity_id,
        department_id,
        title,
    )


async def activity_title(
    conn: asyncpg.Connection, *, college: str, activity_id: UUID
) -> str | None:
    title: str | None = await conn.fetchval(
        "SELECT title FROM known_activities WHERE college = $1 AND activity_id = $2",
        college,
        activity_id,
    )
    return title


async def remember_pairing(
    conn: asyncpg.Connection, *, college: str, pairing_id: UUID, school_id: str
) -> None:
    await conn.execute(
        "INSERT INTO known_pairings (college, pairing_id, school_id) VALUES ($1, $2, $3)"
        " ON CONFLICT (college, pairing_id) DO NOTHING",
        college,
        pairing_id,
        school_id,
    )


async def pairing_school(conn: asyncpg.Connection, *, college: str, pairing_id: UUID) -> str | None:
    school: str | None = await conn.fetchval(
        "SELECT school_id FROM known_pairings WHERE college = $1 AND pairing_id = $2",
        college,
        pairing_id,
    )
    return school
