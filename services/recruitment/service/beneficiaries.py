"""Beneficiary register use cases; each runs in the one transaction it is handed.

Contact cards are sealed before they reach the repository and opened only here, on
the way to an authorised, audited reader.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.recruitment.crypto import ContactCardCipher
from services.recruitment.domain import beneficiaries as domain
from services.recruitment.domain.beneficiaries import (
    AccessFilter,
    AuditAction,
    Beneficiary,
    BeneficiaryFilter,
    CardAccess,
    ContactCard,
    CoverageReport,
    KeyRotation,
)
from services.recruitment.domain.paging import Paging
from services.recruitment.domain.rules import NotFound
from services.recruitment.repository import audit
from services.recruitment.repository import beneficiaries as repository
from services.recruitment.repository.beneficiaries import SealedCard
from services.recruitment.service import SOURCE
from shared.messaging.outbox import append_to_outbox
from shared.web.auth import Principal


def _seal(
    cipher: ContactCardCipher, card: ContactCard, *, beneficiary_id: UUID, college: str
) -> SealedCard:
    token = cipher.seal(card, beneficiary_id=beneficiary_id, college=college)
    return SealedCard(token=token, key=cipher.primary_fingerprint)


async def _log_access(
    conn: asyncpg.Connection,
    *,
    reader: Principal,
    college: str,
    beneficiary_id: UUID,
    action: AuditAction,
    purpose: str,
    at: datetime,
) -> None:
    await audit.record_access(
        conn,
        college=college,
        beneficiary_id=beneficiary_id,
        reader_id=reader.user_id,
        reader_roles=reader.roles,
        reader_college=reader.college,
        action=action,
        purpose=purpose,
        at=at,
    )


async def register_child(
    conn: asyncpg.Connection,
    *,
    cipher: ContactCardCipher,
    college: str,
    school_id: str,
    county: str,
    grade: int,
    categories: tuple[str, ...],
    subject_needs: tuple[str, ...],
    card: ContactCard,
    now: datetime,
    beneficiary_id: UUID | None = None,
) -> Beneficiary:
    beneficiary_id = beneficiary_id or uuid4()
    digest = cipher.identity_digest(college=college, school_id=school_id, card=card)
    beneficiary, event = domain.register_beneficiary(
        beneficiary_id=beneficiary_id,
        college=college,
        school_id=school_id,
        county=county,
        grade=grade,
        categories=categories,
        subject_needs=subject_needs,
        card=card,
        already_registered=await repository.is_registered(
            conn, college=college, identity_digest=digest
        ),
        now=now,
    )
    sealed = _seal(cipher, card, beneficiary_id=beneficiary_id, college=college)
    try:
        await repository.insert_beneficiary(conn, beneficiary, card=sealed, identity_digest=digest)
    except asyncpg.UniqueViolationError as race:  # the same child registered twice at once
        raise domain.one_entry_per_child_broken() from race
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return beneficiary


async def update_child(
    conn: asyncpg.Connection,
    *,
    cipher: ContactCardCipher,
    editor: Principal,
    college: str,
    beneficiary_id: UUID,
    grade: int | None,
    categories: tuple[str, ...] | None,
    subject_needs: tuple[str, ...] | None,
    card_changes: dict[str, object] | None,
    now: datetime,
) -> Beneficiary:
    """Correct an entry; a change of the contact card is recorded in the access log."""
    current = await find_child(
        conn, college=college, beneficiary_id=beneficiary_id, for_update=True
    )
    new_card: ContactCard | None = None
    new_digest: bytes | None = None
    if card_changes:
        sealed = await repository.get_sealed_card(
            conn, college=college, beneficiary_id=beneficiary_id
        )
        assert sealed is not None  # the row is locked above
        stored = cipher.open(sealed.token, beneficiary_id=beneficiary_id, college=college)
        new_card = domain.merge_contact_card(stored, card_changes)
        old_digest = cipher.identity_digest(
            college=college, school_id=current.school_id, card=stored
        )
        new_digest = cipher.identity_digest(
            college=college, school_id=current.school_id, card=new_card
        )
        # A corrected name or birth date must not make this entry a second one of a child.
        if new_digest != old_digest and await repository.is_registered(
            conn, college=college, identity_digest=new_digest
        ):
            raise domain.one_entry_per_child_broken(
                "another entry already holds this child (name, date of birth, school)"
            )
    updated, event = domain.update_beneficiary(
        current,
        grade=grade,
        categories=categories,
        subject_needs=subject_needs,
        card=new_card,
        now=now,
    )
    await repository.update_beneficiary(conn, updated)
    if new_card is not None and card_changes:
        try:
            await repository.replace_card(
                conn,
                college=college,
                beneficiary_id=beneficiary_id,
                card=_seal(cipher, new_card, beneficiary_id=beneficiary_id, college=college),
                identity_digest=new_digest,
            )
        except asyncpg.UniqueViolationError as race:  # corrected into a twin at the same time
            raise domain.one_entry_per_child_broken() from race
        await _log_access(
            conn,
            reader=editor,
            college=college,
            beneficiary_id=beneficiary_id,
            action="update_contact_card",
            purpose="correction of the contact card: " + ", ".join(sorted(card_changes)),
            at=now,
        )
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
    return updated


async def read_contact_card(
    conn: asyncpg.Connection,
    *,
    cipher: ContactCardCipher,
    reader: Principal,
    college: str,
    beneficiary_id: UUID,
    purpose: str,
    now: datetime,
) -> ContactCard:
    """Open a child's card for an authorised reader and log the read in the same
    transaction: if the log cannot be written, the card is not returned."""
    if not domain.may_read_contact_card(reader.roles):
        raise PermissionError("this role may not read children's contact cards")
    stated = domain.check_read_purpose(purpose)
    sealed = await repository.get_sealed_card(conn, college=college, beneficiary_id=beneficiary_id)
    if sealed is None:
        raise NotFound("beneficiary", beneficiary_id)
    card = cipher.open(sealed.token, beneficiary_id=beneficiary_id, college=college)
    await _log_access(
        conn,
        reader=reader,
        college=college,
        beneficiary_id=beneficiary_id,
        action="read_contact_card",
        purpose=stated,
        at=now,
    )
    return card


async def rotate_contact_card_keys(
    pool: asyncpg.Pool, *, cipher: ContactCardCipher, college: str, batch_size: int = 500
) -> int:
    """Re-encrypt a college's cards under the first key, one transaction per batch so a
    large register never holds its locks for long; safe to stop and run again."""
    rotated = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            batch = await repository.cards_under_other_keys(
                conn, college=college, primary_key=cipher.primary_fingerprint, batch_size=batch_size
            )
            if not batch:
                return rotated
            await repository.store_rotated_cards(
                conn,
                college=college,
                primary_key=cipher.primary_fingerprint,
                cards=[(beneficiary_id, cipher.rotate(token)) for beneficiary_id, token in batch],
            )
        rotated += len(batch)


async def cards_left_to_rotate(
    conn: asyncpg.Connection, *, cipher: ContactCardCipher, college: str
) -> int:
    return await repository.count_under_other_keys(
        conn, college=college, primary_key=cipher.primary_fingerprint
    )


async def rotate_college_keys(
    pool: asyncpg.Pool, *, cipher: ContactCardCipher, college: str
) -> KeyRotation:
    """Rotate the college's cards, then count those still under another key (a rotation
    running at the same time, or cards registered meanwhile under an older key)."""
    rotated = await rotate_contact_card_keys(pool, cipher=cipher, college=college)
    async with pool.acquire() as conn:
        remaining = await cards_left_to_rotate(conn, cipher=cipher, college=college)
    return KeyRotation(
        college=college, rotated=rotated, remaining=remaining, key=cipher.primary_fingerprint
    )


async def find_child(
    conn: asyncpg.Connection, *, college: str, beneficiary_id: UUID, for_update: bool = False
) -> Beneficiary:
    found = await repository.get_beneficiary(
        conn, college=college, beneficiary_id=beneficiary_id, for_update=for_update
    )
    if found is None:
        raise NotFound("beneficiary", beneficiary_id)
    return found


async def list_children(
    conn: asyncpg.Connection, *, college: str, where: BeneficiaryFilter, paging: Paging
) -> list[Beneficiary]:
    return await repository.list_beneficiaries(conn, college=college, where=where, paging=paging)


async def coverage(conn: asyncpg.Connection, *, college: str, county: str | None) -> CoverageReport:
    schools = await repository.coverage_by_school(conn, college=college, county=county)
    return domain.coverage_report(college=college, county=county, schools=schools)


async def access_log(
    conn: asyncpg.Connection, *, college: str, where: AccessFilter, paging: Paging
) -> list[CardAccess]:
    return await audit.list_access(conn, college=college, where=where, paging=paging)
