"""What a route is: the facts it may need from the read models, and how it names its
kind, its people, its fields and its subject (the table itself is domain/routes.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from services.notifications.domain.kinds import Priority, kind_named
from shared.events import scheduling as sc
from shared.events.base import DomainEvent

E = TypeVar("E", bound=DomainEvent)


class Need(StrEnum):
    """A fact a route needs from the read models, looked up by the event's own ids."""

    CAMPAIGN = "campaign"  # by campaign_id: its title
    TEAM = "team"  # by team_id: title, leader, members, advisor
    REPORT = "report"  # by report_id: title, submitter, authors
    SHIFT = "shift"  # by shift_id: post, place, times
    NEXT_SHIFT_HOLDERS = "next_shift_holders"  # by shift_id: the next shift at its post
    MEETING = "meeting"  # by meeting_id: title, start, organisation
    MEMBERS = "members"  # the current members of the event's (or meeting's) organisation
    SWAP = "swap"  # by swap_id: who asked, with whom
    ACTIVITY = "activity"  # by activity_id: its title
    PAIRING = "pairing"  # by pairing_id: its school
    COMMITTEE_CHAIR = "committee_chair"  # the directory's committee chair(s)
    # by the event's school_id (else its school): the directory's school contacts for it
    SCHOOL_CONTACTS = "school_contacts"
    VOLUNTEER_NAME = "volunteer_name"  # by volunteer_id: the name notifications knows


@dataclass(frozen=True)
class Team:
    title: str
    leader_id: str
    member_ids: tuple[str, ...]
    advisor_id: str

    @property
    def everyone(self) -> tuple[str, ...]:
        return (self.leader_id, *self.member_ids, self.advisor_id)


@dataclass(frozen=True)
class Report:
    title: str
    submitter_id: str
    author_ids: tuple[str, ...]


@dataclass(frozen=True)
class Shift:
    post: str
    place: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Meeting:
    title: str
    starts_at: datetime
    organisation_kind: str
    organisation_id: str


@dataclass(frozen=True)
class Swap:
    requester_id: str
    partner_id: str


@dataclass(frozen=True)
class Facts:
    """What the read models know that an event does not say (None / empty: not known)."""

    campaign_title: str | None = None
    team: Team | None = None
    report: Report | None = None
    shift: Shift | None = None
    next_shift_holders: tuple[str, ...] = ()
    meeting: Meeting | None = None
    members: tuple[str, ...] = ()
    swap: Swap | None = None
    activity_title: str | None = None
    pairing_school: str | None = None
    committee_chairs: tuple[str, ...] = ()
    school_contacts: tuple[str, ...] = ()
    volunteer_name: str | None = None


NO_FACTS = Facts()


@dataclass(frozen=True)
class Route(Generic[E]):
    event: type[E]
    kind: str
    recipients: Callable[[E, Facts], Iterable[str | None]]
    fields: Callable[[E, Facts], Mapping[str, object]]
    needs: frozenset[Need] = frozenset()
    # What the notice is about (the inbox's subject_id); the event's aggregate by default.
    subject: Callable[[E], object] | None = None

    @property
    def event_type(self) -> str:
        return self.event.event_type

    @property
    def priority(self) -> Priority:
        return kind_named(self.kind).priority

    def _typed(self, event: DomainEvent) -> E:
        if not isinstance(event, self.event):
            raise TypeError(f"the {self.event.__name__} route was handed {type(event).__name__}")
        return event

    def recipients_of(self, event: DomainEvent, facts: Facts) -> list[str]:
        """Who the event concerns: distinct, in the route's order, unknown ones left out."""
        seen: dict[str, None] = {}
        for person in self.recipients(self._typed(event), facts):
            if person:
                seen.setdefault(person, None)
        return list(seen)

    def fields_of(self, event: DomainEvent, facts: Facts) -> dict[str, object]:
        """Every declared field of the kind (None when absent); a field the kind does not
        declare is a routing bug."""
        given = dict(self.fields(self._typed(event), facts))
        declared = kind_named(self.kind).fields
        undeclared = set(given) - declared
        if undeclared:
            raise ValueError(f"route {self.event_type} gives undeclared {sorted(undeclared)}")
        return {name: given.get(name) for name in sorted(declared)}

    def subject_of(self, event: DomainEvent) -> str:
        typed = self._typed(event)
        return str(self.subject(typed) if self.subject else typed.aggregate_id)


@dataclass(frozen=True)
class Routed:
    """What one event means: a kind, for these people, with these fields."""

    kind: str
    recipients: list[str]
    fields: dict[str, object]
    subject_id: str
    priority: Priority = field(default=Priority.NORMAL)


def route_event(route: Route[Any], event: DomainEvent, facts: Facts) -> Routed:
    return Routed(
        kind=route.kind,
        recipients=route.recipients_of(event, facts),
        fields=route.fields_of(event, facts),
        subject_id=route.subject_of(event),
        priority=route.priority,
    )


def route(
    event: type[E],
    kind: str,
    recipients: Callable[[E, Facts], Iterable[str | None]],
    fields: Callable[[E, Facts], Mapping[str, object]],
    *needs: Need,
    subject: Callable[[E], object] | None = None,
) -> Route[Any]:
    """A route of `event` to `kind` (what the routing tables are written with)."""
    return Route(event, kind, recipients, fields, frozenset(needs), subject)


def lesson_fields(event: sc.LessonAssigned) -> dict[str, object]:
    """What a lesson notice says of the lesson."""
    return {
        "school": event.school,
        "class_name": event.class_name,
        "subject": event.subject,
        "room": event.room or None,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
    }
