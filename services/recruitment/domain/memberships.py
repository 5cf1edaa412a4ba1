"""Membership of a department or a corps unit: how it starts, how it ends (DOMAIN.md §1-3).

A person is admitted (intake, corps assignment) or transferred in; a membership
ends by transfer, withdrawal, compulsory withdrawal or expulsion. History is
never deleted: an ended membership keeps how and why it ended. Sanctions other
services impose end memberships too: scheduling's attendance sanctions, and an
officer's dismissal (辞退) in evaluation, which, annulled, starts the membership again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from services.recruitment.domain.rules import RuleBroken
from shared.events.evaluation import StaffSanctionAnnulled, StaffSanctionImposed
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


# --- sanctions: attendance (DOMAIN.md §2, scheduling's), dismissal (§3, evaluation's) ---


class SanctionEffect(StrEnum):
    MEMBERSHIP_ENDED = "membership_ended"
    RECORDED_ONLY = "recorded_only"  # a verbal warning changes nothing but is on file
    NO_ACTIVE_MEMBERSHIP = "no_active_membership"
    PREDATES_MEMBERSHIP = "predates_membership"
    ANNULLED_FIRST = "annulled_first"  # its annulment came before it: it ends nothing


class AnnulmentEffect(StrEnum):
    """What an annulled dismissal did: started the membership it had ended again, or not."""

    MEMBERSHIP_STARTED = "membership_started"
    NOTHING_ENDED = "nothing_ended"  # the dismissal had ended no membership
    MEMBER_AGAIN = "member_again"  # a member of that organisation again already
    IN_ANOTHER_UNIT = "in_another_unit"  # now in another corps unit of the same kind


@dataclass(frozen=True)
class SanctionReceived:
    """A sanction of a member of one organisation, as received from the service that
    imposed it: scheduling's attendance sanctions, evaluation's dismissals (辞退)."""

    sanction_id: UUID
    college: str
    person_id: str
    organisation_kind: str
    organisation_id: str
    sanction: str
    reason: str
    term: str
    imposed_at: datetime


@dataclass(frozen=True)
class RecordedSanction(SanctionReceived):
    """A sanction as received, with what it did to the membership (and, a dismissal
    annulled, what the annulment did)."""

    effect: SanctionEffect
    membership_id: UUID | None
    annulled_at: datetime | None = None
    annulment_effect: AnnulmentEffect | None = None
    restored_membership_id: UUID | None = None


DISMISSAL = "dismissal"
# MembershipEnded.v1 has no "dismissed": a dismissal ends a membership as a compulsory
# withdrawal, and the reason says it was a dismissal (end_reason).
SANCTION_ENDS_AS: dict[str, HowEnded] = {
    "compulsory_withdrawal": "compulsory_withdrawal",
    "expulsion": "expelled",
    DISMISSAL: "compulsory_withdrawal",
}
# Corps units a person holds one of each kind at a time (migration 0009).
ONE_UNIT_PER_KIND: frozenset[str] = frozenset({"brigade", "detachment", "group"})


# What every sanction event says of the sanction, by the same names (its kind aside).
_AS_RECEIVED = {f.name for f in fields(SanctionReceived)} - {"sanction"}


def attendance_sanction(event: AttendanceSanctionImposed) -> SanctionReceived:
    return SanctionReceived(**event.model_dump(include=_AS_RECEIVED), sanction=event.sanction)


def is_staff_dismissal(event: StaffSanctionImposed | StaffSanctionAnnulled) -> bool:
    """Whether an officer's sanction (imposed or annulled) is one recruitment acts on: a
    dismissal (辞退) naming its organisation. Warnings and notices of criticism are
    evaluation's record alone (they end no membership), and so is a dismissal imposed
    before dismissals named their organisation."""
    return (
        event.kind == DISMISSAL
        and event.organisation_kind is not None
        and bool(event.organisation_id)
    )


def staff_dismissal(event: StaffSanctionImposed) -> SanctionReceived | None:
    """An officer's dismissal of the member from the organisation it names; None for the
    sanctions recruitment does not act on (`is_staff_dismissal`)."""
    if not is_staff_dismissal(event):
        return None
    return SanctionReceived(**event.model_dump(include=_AS_RECEIVED), sanction=DISMISSAL)


def effect_of_sanction(
    *, sanction: str, active_membership: Membership | None, imposed_at: datetime
) -> SanctionEffect:
    """What a sanction does to the person's membership of that organisation.

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
    sanction: SanctionReceived, *, active_membership: Membership | None
) -> RecordedSanction:
    """The sanction as it goes on file, with what it does to the person's membership."""
    return RecordedSanction(
        **asdict(sanction),
        effect=effect_of_sanction(
            sanction=sanction.sanction,
            active_membership=active_membership,
            imposed_at=sanction.imposed_at,
        ),
        membership_id=active_membership.id if active_membership is not None else None,
    )


def receive_annulled_sanction(
    sanction: SanctionReceived, *, annulled_at: datetime
) -> RecordedSanction:
    """A dismissal whose annulment was received first (events of one sanction may come out
    of order, e.g. the dismissal dead-lettered and replayed): on file, annulled, and it
    ends nothing, so that an annulled dismissal never removes a member."""
    return RecordedSanction(
        **asdict(sanction),
        effect=SanctionEffect.ANNULLED_FIRST,
        membership_id=None,
        annulled_at=annulled_at,
        annulment_effect=AnnulmentEffect.NOTHING_ENDED,
    )


def end_reason(sanction: SanctionReceived) -> str:
    """Why the membership ends, as MembershipEnded says it: a dismissal says so."""
    if sanction.sanction == DISMISSAL:
        return f"辞退: {sanction.reason}"
    return sanction.reason


def effect_of_annulment(
    recorded: RecordedSanction, *, member_again: bool, in_another_unit: bool
) -> AnnulmentEffect | None:
    """An annulled dismissal gives back the membership it ended: a new membership of the
    same organisation with the same role (the ended one stays ended: history is kept),
    unless the person is a member there again, or holds another corps unit of that kind.

    None when there is nothing to annul: not a dismissal, or annulled already (the same
    annulment re-sent under a new event id).
    """
    if recorded.sanction != DISMISSAL or recorded.annulled_at is not None:
        return None
    if recorded.effect is not SanctionEffect.MEMBERSHIP_ENDED or recorded.membership_id is None:
        return AnnulmentEffect.NOTHING_ENDED
    if member_again:
        return AnnulmentEffect.MEMBER_AGAIN
    if in_another_unit and recorded.organisation_kind in ONE_UNIT_PER_KIND:
        return AnnulmentEffect.IN_ANOTHER_UNIT
    return AnnulmentEffect.MEMBERSHIP_STARTED
