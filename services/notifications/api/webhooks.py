"""Outbound webhooks of a college (its admins): endpoints (URL checked: http(s) only,
public addresses only in production; a 422 names `url`), the signing secret shown once
at creation and rotation, the delivery log with its attempts, and replays of a time
range."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.notifications.api.common import COLLEGE, Admin, College, Paged, Settings
from services.notifications.schemas.webhooks import (
    DeliveryPage,
    DeliveryStatus,
    EndpointChange,
    EndpointForm,
    EndpointList,
    EndpointView,
    EndpointWithSecretView,
    ReplayForm,
    ReplayView,
)
from services.notifications.service import webhooks as service
from shared.web.dependencies import Now, ReadOnly, ShownOnce, Transaction
from shared.web.fields import AwareDateTime

router = APIRouter(prefix=f"{COLLEGE}/webhooks", tags=["webhooks"])


@router.post(
    "",
    status_code=201,
    summary="Add an endpoint; the answer carries its signing secret, shown only this once",
    dependencies=[ShownOnce],
)
async def create_endpoint(
    college: College,
    form: EndpointForm,
    admin: Admin,
    conn: Transaction,
    now: Now,
    settings: Settings,
) -> EndpointWithSecretView:
    created = await service.create_endpoint(
        conn,
        college=college,
        url=form.url,
        description=form.description,
        event_types=form.event_types,
        active=form.active,
        production=settings.environment == "production",
        now=now,
    )
    return EndpointWithSecretView.with_secret(created)


@router.get("", summary="The college's endpoints (without their secrets)")
async def list_endpoints(college: College, admin: Admin, conn: ReadOnly) -> EndpointList:
    found = await service.endpoints_of(conn, college=college)
    return EndpointList(items=[EndpointView.of(e) for e in found])


@router.get("/{endpoint_id}", summary="One endpoint (without its secret)")
async def read_endpoint(
    college: College, endpoint_id: UUID, admin: Admin, conn: ReadOnly
) -> EndpointView:
    return EndpointView.of(
        await service.endpoint_of(conn, college=college, endpoint_id=endpoint_id)
    )


@router.patch(
    "/{endpoint_id}",
    summary="Change an endpoint's URL, description, event types or whether it is active "
    "(an inactive endpoint is offered nothing, and its queue waits)",
)
async def change_endpoint(
    college: College,
    endpoint_id: UUID,
    form: EndpointChange,
    admin: Admin,
    conn: Transaction,
    now: Now,
    settings: Settings,
) -> EndpointView:
    changed = await service.change_endpoint(
        conn,
        college=college,
        endpoint_id=endpoint_id,
        url=form.url,
        description=form.description,
        event_types=form.event_types,
        active=form.active,
        production=settings.environment == "production",
        now=now,
    )
    return EndpointView.of(changed)


@router.delete(
    "/{endpoint_id}",
    status_code=204,
    summary="Remove an endpoint with its deliveries and their log",
)
async def remove_endpoint(
    college: College, endpoint_id: UUID, admin: Admin, conn: Transaction
) -> Response:
    await service.remove_endpoint(conn, college=college, endpoint_id=endpoint_id)
    return Response(status_code=204)


@router.post(
    "/{endpoint_id}/rotate-secret",
    summary="A new signing secret (shown only this once); attempts from now on use it",
    dependencies=[ShownOnce],
)
async def rotate_secret(
    college: College, endpoint_id: UUID, admin: Admin, conn: Transaction, now: Now
) -> EndpointWithSecretView:
    rotated = await service.rotate_secret(conn, college=college, endpoint_id=endpoint_id, now=now)
    return EndpointWithSecretView.with_secret(rotated)


@router.get(
    "/{endpoint_id}/deliveries",
    summary="The endpoint's delivery log, the highest sequence first, with every attempt; "
    "filter by status and by when the delivery was queued ([created_from, created_to))",
)
async def delivery_log(
    college: College,
    endpoint_id: UUID,
    admin: Admin,
    conn: ReadOnly,
    paging: Paged,
    status: Annotated[DeliveryStatus | None, Query()] = None,
    created_from: Annotated[AwareDateTime | None, Query()] = None,
    created_to: Annotated[AwareDateTime | None, Query()] = None,
) -> DeliveryPage:
    records, attempts = await service.delivery_log(
        conn,
        college=college,
        endpoint_id=endpoint_id,
        status=status,
        created_from=created_from,
        created_to=created_to,
        limit=paging.limit,
        offset=paging.offset,
    )
    return DeliveryPage.listing(records, attempts, paging)


@router.post(
    "/{endpoint_id}/replay",
    status_code=202,
    summary="Send again, in their original order and after the endpoint's queue, every "
    "event offered to it that occurred in [from, to) (new deliveries; the log keeps the "
    "old ones)",
)
async def replay(
    college: College,
    endpoint_id: UUID,
    form: ReplayForm,
    admin: Admin,
    conn: Transaction,
    now: Now,
) -> ReplayView:
    queued = await service.replay_range(
        conn,
        college=college,
        endpoint_id=endpoint_id,
        occurred_from=form.occurred_from,
        occurred_to=form.occurred_to,
        now=now,
    )
    return ReplayView(queued=queued)
