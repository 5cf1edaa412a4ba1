"""Membership use cases; each runs in the one transaction it is handed.

`start_membership` and `end_membership` are the entry points other recruitment
capabilities call (intake admission, corps assignment, squads): they write the
membership and its event to the outbox in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.recruitment.domain import memberships as rules
from services.recruitment.domain.memberships import (
    AnnulmentEffect,
    HowEnded,
    HowStarted,
    MemberFilter,
    Membership,
    RecordedSanction,
    SanctionEffect,
    SanctionReceived,
)
from services.recruitment.domain.paging import Paging
from services.recruitment.domain.rules import NotFound, RuleBroken
from services.recruitment.repository import memberships as repository
from services.recruitment.service import SOURCE
from shared.events.evaluation import StaffSanctionAnnulled, StaffSanctionImposed
from shared.events.recruitment import OrganisationKind
from shared.events.scheduling import AttendanceSanctionImposed
from shared.messaging.outbox import append_to_outbox
from shared.rules import TryAgain

# The partial unique index (migration 0005) that holds "a member once at a time" when
# two admissions of the same person race: neither sees the other's uncommitted row.
ONE_ACTIVE_INDEX = "memberships_one_active"


async def start_membership(
    conn: asyncpg.Connection,
    *,
    college: str,
    person_id: str,
    organisation_kind: OrganisationKind,
    organisation_id: str,
    how: HowStarted,
    role: str = "member",
    now: datetime,
) -> Membership:
    """Make `person_id` a member of the organisation; emits MembershipStarted.

    Raises RuleBroken(rule="already_a_member") if they already are one.
    Call it inside the transaction of the decision that admits the person.
    """
    current = await repository.active_membership(
        conn,
        college=college,
        person_id=person_id,
        organisation_kind=organisation_kind,
        organisation_id=organisation_id,
    )
    membership, event = rules.start(
        membership_id=uuid4(),
        college=college,
        person_id=person_id,
        organisation_kind=organisation_kind,
        organisation_id=organisation_id,
        how=how,
        role=role,
        already_a_member=current is not None,
        now=now,
    )
    try:
        await repository.insert_membership(conn, membership)
    except asyncpg.UniqueViolationError as race:
        if race.constraint_name != ONE_ACTIVE_INDEX:
            raise  # another rule's index (one corps unit of each kind): its caller's to say
        raise rules.already_a_member_broken(person_id, organisation_kind, organisation_id) from race
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return membership


async def end_membership(
    conn: asyncpg.Connection,
    *,
    college: str,
    membership_id: UUID,
    how: HowEnded,
    reason: str,
    now: datetime,
) -> Membership:
    """End a membership; emits MembershipEnded."""
    membership = await repository.get_membership(
        conn, college=college, membership_id=membership_id, for_update=True
    )
    if membership is None:
        raise NotFound("membership", membership_id)
    ended, event = rules.end(membership, how=how, reason=reason, now=now)
    await repository.record_end(conn, ended)
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return ended


async def apply_attendance_sanction(
    conn: asyncpg.Connection, *, event: AttendanceSanctionImposed, now: datetime
) -> SanctionEffect | None:
    """Compulsory withdrawal or expulsion ends the membership; every sanction is recorded.

    None when this sanction was already applied: scheduling re-sent it under a new
    event id, which the inbox cannot recognise, so the sanction id is the guard.
    """
    return await _apply_sanction(conn, rules.attendance_sanction(event), now=now)


async def apply_staff_sanction(
    conn: asyncpg.Connection, *, event: StaffSanctionImposed, now: datetime
) -> SanctionEffect | None:
    """An officer's dismissal (辞退) ends the membership of the organisation it names, as a
    compulsory withdrawal whose reason says 辞退, and is recorded like an attendance
    sanction. None for a warning or a notice of criticism (evaluation's record alone), a
    dismissal naming no organisation, and a dismissal applied already (the sanction id is
    the guard, as for attendance sanctions)."""
    dismissal = rules.staff_dismissal(event)
    if dismissal is None:
        return None
    return await _apply_sanction(conn, dismissal, now=now)


async def _apply_sanction(
    conn: asyncpg.Connection, sanction: SanctionReceived, *, now: datetime
) -> SanctionEffect | None:
    if await repository.sanction_recorded(conn, sanction_id=sanction.sanction_id):
        return None
    annulled_at = await repository.early_annulment(
        conn, college=sanction.college, sanction_id=sanction.sanction_id
    )
    if annulled_at is not None:  # its annulment came first: on file, annulled, ends nothing
        annulled = rules.receive_annulled_sanction(sanction, annulled_at=annulled_at)
        await repository.record_sanction(conn, annulled, recorded_at=now)
        await repository.record_annulment(conn, annulled)
        return annulled.effect
    active = await repository.active_membership(
        conn,
        college=sanction.college,
        person_id=sanction.person_id,
        organisation_kind=sanction.organisation_kind,
        organisation_id=sanction.organisation_id,
    )
    recorded = rules.receive_sanction(sanction, active_membership=active)
    if recorded.effect is SanctionEffect.MEMBERSHIP_ENDED and active is not None:
        await end_membership(
            conn,
            college=sanction.college,
            membership_id=active.id,
            how=rules.SANCTION_ENDS_AS[sanction.sanction],
            reason=rules.end_reason(sanction),
            now=now,
        )
    await repository.record_sanction(conn, recorded, recorded_at=now)
    return recorded.effect


async def annul_staff_sanction(
    conn: asyncpg.Connection, *, event: StaffSanctionAnnulled, now: datetime
) -> AnnulmentEffect | None:
    """An annulled dismissal starts the membership it ended again (MembershipStarted, how
    `admitted`, the same role; the ended one stays ended), unless the person is a member
    there again or holds another corps unit of that kind. None when there is nothing to
    do: a sanction not on file (a warning, a notice of criticism; a dismissal not received
    yet, whose annulment is kept so that it ends nothing when it comes), or annulled
    already."""
    recorded = await repository.sanction_for_update(
        conn, college=event.college, sanction_id=event.sanction_id
    )
    if recorded is None:
        if rules.is_staff_dismissal(event):
            # The dismissal itself has not come yet (dead-lettered and replayed later, say):
            # kept, so that when it comes it ends nothing.
            await repository.record_early_annulment(
                conn,
                college=event.college,
                person_id=event.person_id,
                sanction_id=event.sanction_id,
                annulled_at=event.annulled_at,
                recorded_at=now,
            )
        return None
    held = await repository.active_of_kind(
        conn,
        college=recorded.college,
        person_id=recorded.person_id,
        organisation_kind=recorded.organisation_kind,
    )
    effect = rules.effect_of_annulment(
        recorded,
        member_again=any(m.organisation_id == recorded.organisation_id for m in held),
        in_another_unit=bool(held),
    )
    if effect is None:
        return None
    restored = None
    if effect is AnnulmentEffect.MEMBERSHIP_STARTED and recorded.membership_id is not None:
        ended = await repository.get_membership(
            conn, college=recorded.college, membership_id=recorded.membership_id
        )
        if ended is None:
            raise NotFound("membership", recorded.membership_id)
        try:
            restored = await start_membership(
                conn,
                college=ended.college,
                person_id=ended.person_id,
                organisation_kind=ended.organisation_kind,
                organisation_id=ended.organisation_id,
                how="admitted",
                role=ended.role,
                now=now,
            )
        except (RuleBroken, asyncpg.UniqueViolationError) as race:
            # An officer admitted the person (there, or to another unit of the kind) while
            # this ran: read again, and the retry finds them a member (member_again or
            # in_another_unit). Anything else that fails so fails the retries too.
            if isinstance(race, RuleBroken) and race.rule != "already_a_member":
                raise
            raise TryAgain("the person was admitted while the annulment was applied") from race
    await repository.record_annulment(
        conn,
        replace(
            recorded,
            annulled_at=event.annulled_at,
            annulment_effect=effect,
            restored_membership_id=restored.id if restored else None,
        ),
    )
    return effect


async def memberships_of_person(
    conn: asyncpg.Connection, *, college: str, person_id: str, paging: Paging
) -> list[Membership]:
    return await repository.memberships_of_person(
        conn, college=college, person_id=person_id, paging=paging
    )


async def memberships_of_organisation(
    conn: asyncpg.Connection, *, college: str, where: MemberFilter, paging: Paging
) -> list[Membership]:
    return await repository.memberships_of_organisation(
        conn, college=college, where=where, paging=paging
    )


async def sanctions_of_person(
    conn: asyncpg.Connection, *, college: str, person_id: str, paging: Paging
) -> list[RecordedSanction]:
    return await repository.sanctions_of_person(
        conn, college=college, person_id=person_id, paging=paging
    )
