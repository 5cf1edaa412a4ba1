"""The contact directory's use cases and the lookup other parts of the service use
(`directory_people`: escalation chains, routes to the committee chair)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.notifications.domain.directory import (
    SCOPE_RULES,
    DirectoryEntry,
    DirectoryRole,
    ScopeRule,
    scope_problem,
)
from services.notifications.repository import directory as repository
from services.notifications.service.preferences import (
    contact_address,
    ensure_person,
    remove_contact_point,
    set_contact_point,
)
from shared.paging import Paging
from shared.rules import NotFound, RuleBroken

# The outside channels a directory person may be reached on.
CONTACT_CHANNELS = ("email", "sms", "im")


async def directory_people(
    conn: asyncpg.Connection, *, college: str, role: str, scope: str | None
) -> list[str]:
    """Person ids in `role` for `scope`: a guardian (scope: beneficiary id), a school
    contact (school id), a township contact (county), a grade leader (school id; those
    covering the whole college when none covers the school, or when scope is None), the
    moral-education office or the committee chair (scope ignored). Unknown role: ValueError.
    """
    directory_role = DirectoryRole(role)
    rule = SCOPE_RULES[directory_role]
    if rule is ScopeRule.NONE:
        return await repository.people_unscoped(conn, college=college, role=directory_role)
    if scope is not None:
        found = await repository.people_covering(
            conn, college=college, role=directory_role, scope=scope
        )
        if found or rule is ScopeRule.REQUIRED:
            return found
    if rule is ScopeRule.REQUIRED:
        return []
    return await repository.people_unscoped(conn, college=college, role=directory_role)


@dataclass(frozen=True)
class ListedEntry:
    entry: DirectoryEntry
    contact_points: dict[str, str]


async def put_entry(
    conn: asyncpg.Connection,
    *,
    college: str,
    role: DirectoryRole,
    person_id: str,
    name: str,
    scopes: Sequence[str],
    contact_points: Mapping[str, str],
    now: datetime,
) -> ListedEntry:
    """Put the person in the role with exactly these scopes, their name on their people
    row, and the given contact points (each validated by preferences: a bad address or a
    scope that does not fit the role is refused, and nothing is changed)."""
    distinct = tuple(dict.fromkeys(scopes))
    problem = scope_problem(role, distinct)
    if problem is not None:
        raise RuleBroken("directory_scope", field="scopes", message=problem, invalid=True)
    entry = DirectoryEntry(role=role, person_id=person_id, name=name, scopes=distinct)
    await ensure_person(conn, college=college, person_id=person_id, display_name=name, now=now)
    for channel, address in contact_points.items():
        try:
            await set_contact_point(
                conn,
                college=college,
                person_id=person_id,
                channel=channel,
                address=address,
                now=now,
            )
        except RuleBroken as broken:
            raise RuleBroken(
                broken.rule,
                field=f"contact_points.{channel}",
                message=broken.message,
                invalid=broken.invalid,
            ) from broken
    await repository.upsert_entry(conn, college=college, entry=entry, now=now)
    found = await get_entry(conn, college=college, role=role, person_id=person_id)
    return found


async def get_entry(
    conn: asyncpg.Connection, *, college: str, role: DirectoryRole, person_id: str
) -> ListedEntry:
    entry = await repository.entry(conn, college=college, role=role, person_id=person_id)
    if entry is None:
        raise NotFound(f"{role} directory entry", person_id)
    return ListedEntry(entry, await _contact_points(conn, college=college, person_id=person_id))


async def list_entries(
    conn: asyncpg.Connection,
    *,
    college: str,
    role: DirectoryRole | None,
    scope: str | None,
    paging: Paging,
) -> list[ListedEntry]:
    entries = await repository.entries(
        conn, college=college, role=role, scope=scope, limit=paging.limit, offset=paging.offset
    )
    return [
        ListedEntry(e, await _contact_points(conn, college=college, person_id=e.person_id))
        for e in entries
    ]


async def remove_entry(
    conn: asyncpg.Connection, *, college: str, role: DirectoryRole, person_id: str
) -> None:
    """Take the person out of the role; their contact points go with their last role."""
    if not await repository.delete_entry(conn, college=college, role=role, person_id=person_id):
        raise NotFound(f"{role} directory entry", person_id)
    if await repository.entries(conn, college=college, person_id=person_id, limit=1):
        return
    for channel in await _contact_points(conn, college=college, person_id=person_id):
        await remove_contact_point(conn, college=college, person_id=person_id, channel=channel)


async def _contact_points(
    conn: asyncpg.Connection, *, college: str, person_id: str
) -> dict[str, str]:
    found: dict[str, str] = {}
    for channel in CONTACT_CHANNELS:
        address = await contact_address(conn, college=college, person_id=person_id, channel=channel)
        if address is not None:
            found[channel] = address
    return found
