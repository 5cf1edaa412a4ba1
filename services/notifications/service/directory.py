"""The contact directory's use cases and the lookup other parts of the service use
(`directory_people`: escalation chains, routes to the committee chair)."""

from __future__ import annotations

import asyncpg

from services.notifications.domain.directory import SCOPE_RULES, DirectoryRole, ScopeRule
from services.notifications.repository import directory as repository


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
