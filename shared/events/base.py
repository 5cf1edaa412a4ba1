"""What every domain event is, and the CloudEvents envelope it travels in.

Binary content mode over Kafka: the event's attributes ride in headers
(`ce_id`, `ce_type`, ...), the message value is the event's JSON data, and the
message key is the aggregate id so one aggregate's events stay in order.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"
# Colleges are short codes (e.g. "cs", "math-2"), so they are safe in keys, headers and URLs.
COLLEGE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"
_TYPE_PATTERN = re.compile(r"^campusflow\.[a-z_]+(\.[a-z_]+)+\.v[1-9][0-9]*$")
_TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


class MalformedEvent(ValueError):
    """The message cannot be read as a Campusflow event: a permanent failure."""


class DomainEvent(BaseModel):
    """A fact that happened in one college. Subclasses name their type and key field.

    Unknown fields are ignored, so a consumer keeps working when a later minor
    version of the same type adds an optional field.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    key_field: ClassVar[str]

    college: str = Field(pattern=COLLEGE_PATTERN)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        event_type = cls.__dict__.get("event_type")
        if event_type is not None and not _TYPE_PATTERN.match(event_type):
            raise TypeError(f"{cls.__name__}.event_type {event_type!r} is not a versioned type")

    @property
    def aggregate_id(self) -> str:
        return str(getattr(self, self.key_field))


def new_traceparent() -> str:
    """A fresh W3C traceparent for an event that starts a trace."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


@dataclass(frozen=True)
class Envelope:
    """The CloudEvents attributes of one message, carried as Kafka headers."""

    id: UUID
    type: str
    source: str
    time: datetime
    college: str
    traceparent: str
    specversion: str = SPECVERSION

    def to_headers(self) -> list[tuple[str, bytes]]:
        return [
            ("ce_id", str(self.id).encode()),
            ("ce_type", self.type.encode()),
            ("ce_source", self.source.encode()),
            ("ce_time", self.time.isoformat().encode()),
            ("ce_specversion", self.specversion.encode()),
            ("content-type", CONTENT_TYPE.encode()),
            ("college", self.college.encode()),
            ("traceparent", self.traceparent.encode()),
        ]

    @classmethod
    def from_headers(cls, headers: Iterable[tuple[str, bytes | None]]) -> Envelope:
        found: dict[str, str] = {}
        for name, value in headers:
            if value is None:
                continue
            try:
                found[name] = value.decode()
            except UnicodeDecodeError as error:
                raise MalformedEvent(f"header {name} is not UTF-8") from error
        missing = [
            name
            for name in ("ce_id", "ce_type", "ce_source", "ce_time", "ce_specversion", "college")
            if not found.get(name)
        ]
        if missing:
            raise MalformedEvent(f"missing CloudEvents headers: {', '.join(missing)}")
        if found["ce_specversion"] != SPECVERSION:
            raise MalformedEvent(f"unsupported ce_specversion {found['ce_specversion']!r}")
        try:
            event_id = UUID(found["ce_id"])
            time = datetime.fromisoformat(found["ce_time"])
        except ValueError as error:
            raise MalformedEvent(f"bad ce_id or ce_time: {error}") from error
        if time.tzinfo is None:
            raise MalformedEvent("ce_time has no time zone")
        traceparent = found.get("traceparent", "")
        if not _TRACEPARENT.match(traceparent):
            traceparent = new_traceparent()
        return cls(
            id=event_id,
            type=found["ce_type"],
            source=found["ce_source"],
            time=time,
            college=found["college"],
            traceparent=traceparent,
        )
