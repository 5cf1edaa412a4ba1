"""The read models: what notifications remembers of the other services' events, so a later
event can be routed to the people it concerns (members of an organisation, a team,
a report's authors, a shift's holders, ...), and the facts a route asks for."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

import asyncpg

from services.notifications.domain.route_model import (
    NO_FACTS,
    Facts,
    Meeting,
    Need,
    Report,
    Shift,
    Swap,
    Team,
)
from services.notifications.repository import preferences as people
from services.notifications.repository import read_models as repository
from services.notifications.service.directory import directory_people
from shared.events import evaluation as ev
from shared.events import recruitment as rc
from shared.events import scheduling as sc
from shared.events.base import DomainEvent

# The events that change a read model (routed or not: a campaign's title, a team's people).
FOLDED: tuple[type[DomainEvent], ...] = (
    rc.CampaignOpened,
    rc.ApplicationSubmitted,
    rc.MembershipStarted,
    rc.MembershipEnded,
    rc.ProjectTeamRegistered,
    rc.PairingCreated,
    sc.ShiftAssigned,
    sc.ShiftChanged,
    sc.ShiftCancelled,
    sc.SwapRequested,
    sc.MeetingScheduled,
    sc.ActivityScheduled,
    ev.ReportExpected,
)


async def fold(conn: asyncpg.Connection, event: DomainEvent) -> None:
    """Remember what the event tells about people and their organisations (a no-op for
    events no read model needs; idempotent for every event)."""
    college = event.college
    match event:
        case rc.CampaignOpened():
            await repository.remember_campaign(
                conn, college=college, campaign_id=event.campaign_id, title=event.title
            )
        case rc.ApplicationSubmitted():
            await repository.remember_applicant(
                conn,
                college=college,
                application_id=event.application_id,
                applicant_id=event.applicant_id,
                applicant_name=event.applicant_name,
                campaign_id=event.campaign_id,
            )
            if event.campaign_title:
                await repository.remember_campaign(
                    conn, college=college, campaign_id=event.campaign_id, title=event.campaign_title
                )
        case rc.MembershipStarted():
            await repository.start_membership(
                conn,
                college=college,
                membership_id=event.membership_id,
                person_id=event.person_id,
                organisation_kind=event.organisation_kind,
                organisation_id=event.organisation_id,
                role=event.role,
                started_at=event.started_at,
            )
        case rc.MembershipEnded():
            await repository.end_membership(
                conn,
                college=college,
                membership_id=event.membership_id,
                person_id=event.person_id,
                organisation_kind=event.organisation_kind,
                organisation_id=event.organisation_id,
                ended_at=event.ended_at,
            )
        case rc.ProjectTeamRegistered():
            team = Team(event.title, event.leader_id, tuple(event.member_ids), event.advisor_id)
            await repository.remember_team(
                conn, college=college, team_id=event.team_id, season=event.season, team=team
            )
        case rc.PairingCreated():
            await repository.remember_pairing(
                conn, college=college, pairing_id=event.pairing_id, school_id=event.school_id
            )
        case sc.ShiftAssigned():
            shift = Shift(event.post, event.place, event.starts_at, event.ends_at)
            await repository.remember_shift(
                conn, college=college, shift_id=event.shift_id, rota_id=event.rota_id, shift=shift
            )
            await repository.seat_holders(
                conn, college=college, shift_id=event.shift_id, add=[event.person_id]
            )
        case sc.ShiftChanged():
            await repository.move_shift(
                conn,
                college=college,
                shift_id=event.shift_id,
                starts_at=event.starts_at,
                ends_at=event.ends_at,
            )
            await repository.seat_holders(
                conn,
                college=college,
                shift_id=event.shift_id,
                remove=[event.from_person_id],
                add=[event.to_person_id],
            )
        case sc.ShiftCancelled():
            await repository.seat_holders(
                conn, college=college, shift_id=event.shift_id, remove=[event.person_id]
            )
        case sc.SwapRequested():
            await repository.remember_swap(
                conn,
                college=college,
                swap_id=event.swap_id,
                swap=Swap(event.requester_id, event.partner_id),
            )
        case sc.MeetingScheduled():
            meeting = Meeting(
                event.title, event.starts_at, event.organisation_kind, event.organisation_id
            )
            await repository.remember_meeting(
                conn, college=college, meeting_id=event.meeting_id, meeting=meeting
            )
        case sc.ActivityScheduled():
            await repository.remember_activity(
                conn,
                college=college,
                activity_id=event.activity_id,
                department_id=event.department_id,
                title=event.title,
            )
        case ev.ReportExpected():
            report = Report(event.title, event.submitter_id, tuple(event.author_ids))
            await repository.remember_report(
                conn,
                college=college,
                report_id=event.report_id,
                season=event.season,
                team_id=event.team_id,
                report=report,
            )
        case _:
            pass


def _id(event: DomainEvent, name: str) -> UUID | None:
    value = getattr(event, name, None)
    return value if isinstance(value, UUID) else None


async def facts_for(conn: asyncpg.Connection, event: DomainEvent, needs: frozenset[Need]) -> Facts:
    """The facts a route needs about this event, each looked up by the event's own ids."""
    if not needs:
        return NO_FACTS
    college = event.college
    facts = NO_FACTS
    campaign_id = getattr(event, "campaign_id", None)
    titled = bool(getattr(event, "campaign_title", None))  # the event names it already
    if Need.CAMPAIGN in needs and isinstance(campaign_id, str) and not titled:
        title = await repository.campaign_title(conn, college=college, campaign_id=campaign_id)
        facts = replace(facts, campaign_title=title)
    if Need.TEAM in needs and (team_id := _id(event, "team_id")):
        facts = replace(facts, team=await repository.team(conn, college=college, team_id=team_id))
    if Need.REPORT in needs and (report_id := _id(event, "report_id")):
        report = await repository.report(conn, college=college, report_id=report_id)
        facts = replace(facts, report=report)
    if shift_id := _id(event, "shift_id"):
        if Need.SHIFT in needs:
            shift = await repository.shift(conn, college=college, shift_id=shift_id)
            facts = replace(facts, shift=shift)
        if Need.NEXT_SHIFT_HOLDERS in needs:
            holders = await repository.next_shift_holders(conn, college=college, shift_id=shift_id)
            facts = replace(facts, next_shift_holders=tuple(holders))
    if Need.MEETING in needs and (meeting_id := _id(event, "meeting_id")):
        meeting = await repository.meeting(conn, college=college, meeting_id=meeting_id)
        facts = replace(facts, meeting=meeting)
    if Need.MEMBERS in needs and (organisation := _organisation(event, facts.meeting)):
        members = await repository.current_members(
            conn,
            college=college,
            organisation_kind=organisation[0],
            organisation_id=organisation[1],
        )
        facts = replace(facts, members=tuple(members))
    if Need.SWAP in needs and (swap_id := _id(event, "swap_id")):
        facts = replace(facts, swap=await repository.swap(conn, college=college, swap_id=swap_id))
    if Need.ACTIVITY in needs and (activity_id := _id(event, "activity_id")):
        title = await repository.activity_title(conn, college=college, activity_id=activity_id)
        facts = replace(facts, activity_title=title)
    if Need.PAIRING in needs and (pairing_id := _id(event, "pairing_id")):
        school = await repository.pairing_school(conn, college=college, pairing_id=pairing_id)
        facts = replace(facts, pairing_school=school)
    if Need.COMMITTEE_CHAIR in needs:
        chairs = await directory_people(conn, college=college, role="committee_chair", scope=None)
        facts = replace(facts, committee_chairs=tuple(chairs))
    # A school is known by its id and, where an event names it, by its name: a contact
    # scoped by either covers it (each contact once, in the directory's order).
    schools = [getattr(event, "school_id", None), getattr(event, "school", None)]
    if Need.SCHOOL_CONTACTS in needs:
        contacts: dict[str, None] = {}
        for school in dict.fromkeys(s for s in schools if isinstance(s, str) and s):
            found = await directory_people(
                conn, college=college, role="school_contact", scope=school
            )
            contacts.update(dict.fromkeys(found))
        facts = replace(facts, school_contacts=tuple(contacts))
    volunteer = getattr(event, "volunteer_id", None)
    if Need.VOLUNTEER_NAME in needs and isinstance(volunteer, str) and facts.school_contacts:
        known = await people.person(conn, college=college, person_id=volunteer)
        facts = replace(facts, volunteer_name=known.display_name)
    return facts


def _organisation(event: DomainEvent, meeting: Meeting | None) -> tuple[str, str] | None:
    kind = getattr(event, "organisation_kind", None)
    organisation_id = getattr(event, "organisation_id", None)
    if isinstance(kind, str) and isinstance(organisation_id, str):
        return kind, organisation_id
    if meeting is not None:
        return meeting.organisation_kind, meeting.organisation_id
    return None
