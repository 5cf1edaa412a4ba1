"""The contact directory (college admins): guardians by beneficiary, school contacts by
school, township contacts by county, grade leaders, the moral-education office and the
committee chair — people no event names whom notices and escalations must reach."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from services.notifications.api.common import COLLEGE, Admin, College, Paged
from services.notifications.domain.directory import DirectoryRole
from services.notifications.schemas.directory import (
    DirectoryEntryBody,
    DirectoryEntryView,
    DirectoryPage,
)
from services.notifications.service import directory as service
from shared.web.dependencies import Now, ReadOnly, Transaction
from shared.web.fields import Identifier

router = APIRouter(prefix=f"{COLLEGE}/directory", tags=["directory"])

PersonPath = Annotated[Identifier, Path(max_length=64)]
ScopeQuery = Annotated[str | None, Query(min_length=1, max_length=64)]


def _view(listed: service.ListedEntry) -> DirectoryEntryView:
    entry = listed.entry
    return DirectoryEntryView(
        role=entry.role.value,
        person_id=entry.person_id,
        name=entry.name,
        scopes=list(entry.scopes),
        contact_points=listed.contact_points,
        updated_at=entry.updated_at,
    )


@router.put(
    "/{role}/{person_id}",
    summary="Put a person in a directory role with their scopes and contact points",
)
async def put_entry(
    college: College,
    role: DirectoryRole,
    person_id: PersonPath,
    body: DirectoryEntryBody,
    admin: Admin,
    conn: Transaction,
    now: Now,
) -> DirectoryEntryView:
    listed = await service.put_entry(
        conn,
        college=college,
        role=role,
        person_id=person_id,
        name=body.name,
        scopes=body.scopes,
        contact_points=body.contact_points.given(),
        now=now,
    )
    return _view(listed)


@router.get("", summary="The directory, by role and scope")
async def list_entries(
    college: College,
    admin: Admin,
    conn: ReadOnly,
    paging: Paged,
    role: DirectoryRole | None = None,
    scope: ScopeQuery = None,
) -> DirectoryPage:
    found = await service.list_entries(conn, college=college, role=role, scope=scope, paging=paging)
    return DirectoryPage(
        items=[_view(listed) for listed in found], limit=paging.limit, offset=paging.offset
    )


@router.get("/{role}/{person_id}", summary="One person in a directory role")
async def get_entry(
    college: College, role: DirectoryRole, person_id: PersonPath, admin: Admin, conn: ReadOnly
) -> DirectoryEntryView:
    return _view(await service.get_entry(conn, college=college, role=role, person_id=person_id))


@router.delete(
    "/{role}/{person_id}",
    status_code=204,
    summary="Take a person out of a directory role (their contact points go with their last)",
)
async def delete_entry(
    college: College, role: DirectoryRole, person_id: PersonPath, admin: Admin, conn: Transaction
) -> Response:
    await service.remove_entry(conn, college=college, role=role, person_id=person_id)
    return Response(status_code=204)
