"""Membership of a department or a corps unit: how it starts, how it ends (DOMAIN.md §1, §2).

A person is admitted (intake, corps assignment) or transferred in; a membership
ends by transfer, withdrawal, compulsory withdrawal or expulsion. History is
never deleted: an ended membership keeps how and why it ended.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from services.recruitment.domain.rules import RuleBroken
from shared.events.recruitment import MembershipEnded, MembershipStarted, OrganisationKind
from shared.events.scheduling import AttendanceSanctionImposed

HowStarted = Literal["admitted", "transferred"]
HowEnded = Literal["transferred", "withdrawn", "compulsory_withdrawal", "expelled"]
ORGANISATION_KINDS: tuple[OrganisationKind, ...] = (
    "department",
    "brigade",
    "detachment",
    "group",
    "squad",
)


@dataclass(frozen=True)
class Membership:
    id: UUID
    college: str
    person_id: str
    organisation_kind: OrganisationKind
    organisation_id: str
    role: str
    how_started: HowStarted
    started_at: datetime
    how_ended: HowEnded | None = None
    end_reason: str | None = None
    ended_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True)
class MemberFilter:
    """Which memberships of one department or corps unit a listing shows."""

    organisation_kind: OrganisationKind
    organisation_id: str
    active_only: bool = True


def start(
    *,
    membership_id: UUID,
    college: str,
    person_id: str,
    organisation_kind: OrganisationKind,
    organisation_id: str,
    how: HowStarted,
    role: str,
    already_a_member: bool,
    now: datetime,
) -> tuple[Membership, MembershipStarted]:
    """A person is a member of one organisation at most once at a time."""
    if already_a_member:
        raise already_a_member_broken(person_id, organisation_kind, organisation_id)
    membership = Membership(
        id=membership_id,
        college=college,
        person_id=person_id,
        organisation_kind=organisation_kind,
        organisation_id=organisation_id,
        role=role,
        how_started=how,
        started_at=now,
    )
    event = MembershipStarted(
        college=college,
        membership_id=membership_id,
        person_id=person_id,
        organisation_kind=organisation_kind,
        organisation_id=organisation_id,
        role=role,
        how=how,
        started_at=now,
    )
    return membership, event


def already_a_member_broken(
    person_id: str, organisation_kind: str, organisation_id: str
) -> RuleBroken:
    # Shared with the service, which meets the same rule as a database race.
    return RuleBroken(
        field="person_id",
        rule="already_a_member",
        message=f"{person_id} is already a member of {organisation_kind} {organisation_id}",
    )


def end(
    membership: Membership, *, how: HowEnded, reason: str, now: datetime
) -> tuple[Membership, MembershipEnded]:
    """An ended membership stays ended: it cannot end twice with two different stories."""
    if not membership.active:
        raise RuleBroken(
            field="membership_id",
            rule="membership_already_ended",
            message=f"this membership already ended ({membership.how_ended})",
        )
    if not reason.strip():
        raise RuleBroken(
            field="reason", rule="reason_required", message="say why the membership ends"
        )
    ended = replace(membership, how_ended=how, end_reason=reason, ended_at=now)
    event = MembershipEnded(
        college=membership.college,
        membership_id=membership.id,
        person_id=membership.person_id,
        organisation_kind=membership.organisation_kind,
        organisation_id=membership.organisation_id,
        how=how,
        reason=reason,
        ended_at=now,
    )
    return ended, event


# --- attendance sanctions (DOMAIN.md §2, imposed by scheduling) ------------------------


class SanctionEffect(StrEnum):
    MEMBERSHIP_ENDED = "membership_ended"
    RECORDED_ONLY = "recorded_only"  # a verbal warning changes nothing but is on file
    NO_ACTIVE_MEMBERSHIP = "no_active_membership"
    PREDATES_MEMBERSHIP = "predates_membership"


@dataclass(frozen=True)
class RecordedSanction:
    """A sanction as received, with what it did to the membership."""

    sanction_id: UUID
    college: str
    person_id: str
    organisation_kind: str
    organisation_id: str
    sanction: str
    reason: str
    term: str
    imposed_at: datetime
    effect: SanctionEffect
    membership_id: UUID | None


SANCTION_ENDS_AS: dict[str, HowEnded] = {
    "compulsory_withdrawal": "compulsory_withdrawal",
    "expulsion": "expelled",
}


def effect_of_sanction(
    *, sanction: str, active_membership: Membership | None, imposed_at: datetime
) -> SanctionEffect:
    """What an attendance sanction does to the person's membership of that organisation.

    Events may arrive late or out of order: a sanction for a membership that has
    already ended, or one imposed before the current membership began (the person
    left and re-joined), must not end the membership that exists now.
    """
    if sanction not in SANCTION_ENDS_AS:
        return SanctionEffect.RECORDED_ONLY
    if active_membership is None:
        return SanctionEffect.NO_ACTIVE_MEMBERSHIP
    if imposed_at < active_membership.started_at:
        return SanctionEffect.PREDATES_MEMBERSHIP
    return SanctionEffect.MEMBERSHIP_ENDED


def receive_sanction(
    event: AttendanceSanctionImposed, *, active_membership: Membership | None
) -> RecordedSanction:
    """The sanction as it goes on file, with what it does to the person's membership."""
    return RecordedSanction(
        sanction_id=event.sanction_id,
        college=event.college,
        person_id=event.person_id,
        organisation_kind=event.organisation_kind,
        organisation_id=event.organisation_id,
        sanction=event.sanction,
        reason=event.reason,
        term=event.term,
        imposed_at=event.imposed_at,
        effect=effect_of_sanction(
            sanction=event.sanction,
            active_membership=active_membership,
            imposed_at=event.imposed_at,
        ),
        membership_id=active_membership.id if active_membership is not None else None,
    )
