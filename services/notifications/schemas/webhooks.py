"""Request and response models of the webhook routes (college admins)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.notifications.domain.webhooks import MAX_URL_LENGTH
from services.notifications.repository.webhook_endpoints import Endpoint
from services.notifications.repository.webhooks import AttemptRecord, DeliveryRecord
from services.notifications.service.webhooks import EndpointWithSecret
from shared.paging import Paging
from shared.web.fields import AwareDateTime, Line, StrictBool

FORM = ConfigDict(extra="forbid")
Url = Annotated[Line, Field(min_length=1, max_length=MAX_URL_LENGTH)]
Description = Annotated[Line, Field(max_length=200)]
EventType = Annotated[Line, Field(min_length=1, max_length=100)]
EventTypes = Annotated[list[EventType], Field(max_length=200)]
DeliveryStatus = Literal["pending", "delivered", "failed"]


class EndpointForm(BaseModel):
    """A new endpoint: where (http or https; public addresses only in production), which
    event types (none listed: every event type), and whether it is active."""

    model_config = FORM

    url: Url
    description: Description = ""
    event_types: EventTypes = Field(default_factory=list)
    active: StrictBool = True


class EndpointChange(BaseModel):
    """What changes; fields left out stay as they are."""

    model_config = FORM

    url: Url | None = None
    description: Description | None = None
    event_types: EventTypes | None = None
    active: StrictBool | None = None


class ReplayForm(BaseModel):
    """Send again every event offered to the endpoint that occurred in [from, to)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    occurred_from: AwareDateTime = Field(alias="from")
    occurred_to: AwareDateTime = Field(alias="to")


class EndpointView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    endpoint_id: UUID
    college: str
    url: str
    description: str
    event_types: list[str]
    active: bool
    secret_rotated_at: datetime
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, endpoint: Endpoint) -> EndpointView:
        return cls.model_validate(endpoint)


class EndpointWithSecretView(EndpointView):
    """The endpoint and its signing secret: shown this once (creation or rotation)."""

    secret: str

    @classmethod
    def with_secret(cls, created: EndpointWithSecret) -> EndpointWithSecretView:
        return cls(**EndpointView.of(created.endpoint).model_dump(), secret=created.secret)


class EndpointList(BaseModel):
    items: list[EndpointView]


class AttemptView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempt: int
    started_at: datetime
    finished_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    delivery_id: UUID
    sequence: int
    event_id: UUID
    event_type: str
    occurred_at: datetime
    replay_of: UUID | None
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    first_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    finished_at: datetime | None
    created_at: datetime
    attempt_log: list[AttemptView]

    @classmethod
    def of(cls, record: DeliveryRecord, attempts: Sequence[AttemptRecord]) -> DeliveryView:
        fields = {name: getattr(record, name) for name in DeliveryRecord.__dataclass_fields__}
        log = [AttemptView.model_validate(a) for a in attempts]
        return cls.model_validate({**fields, "attempt_log": log})


class DeliveryPage(BaseModel):
    """An endpoint's deliveries, the highest sequence first."""

    items: list[DeliveryView]
    limit: int
    offset: int

    @classmethod
    def listing(
        cls,
        records: Iterable[DeliveryRecord],
        attempts: Mapping[UUID, Sequence[AttemptRecord]],
        paging: Paging,
    ) -> DeliveryPage:
        return cls(
            items=[DeliveryView.of(r, attempts.get(r.delivery_id, ())) for r in records],
            limit=paging.limit,
            offset=paging.offset,
        )


class ReplayView(BaseModel):
    queued: int
