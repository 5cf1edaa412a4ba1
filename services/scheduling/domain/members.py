"""The member pool: who scheduling may put on a rota, as recruitment's events told it.

A read model, never a call into recruitment: a member appears with their first
enrolment or membership, their skills are the union of their enrolments' skills, and a
membership is current until its end arrives, in whichever order the two facts arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from services.scheduling.domain.rules import RuleBroken

TimetableSource = Literal["ics", "weekly"]


@dataclass(frozen=True)
class PoolMembership:
    membership_id: UUID
    organisation_kind: str
    organisation_id: str
    role: str
    started_at: datetime
    ended_at: datetime | None

    @property
    def current(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True)
class TimetableSummary:
    """What a member's class timetable is, without its classes."""

    source: TimetableSource
    file_name: str
    weekly_slots: int
    classes: int
    horizon_starts_at: datetime | None
    horizon_ends_at: datetime | None
    uploaded_by: str
    uploaded_at: datetime


@dataclass(frozen=True)
class Member:
    college: str
    person_id: str
    skills: tuple[str, ...]
    enrolled_at: datetime | None
    memberships: tuple[PoolMembership, ...] = ()
    timetable: TimetableSummary | None = None


@dataclass(frozen=True)
class PoolFilter:
    """Which members a listing shows: of one organisation (current members only unless
    `include_former`), and/or with a skill."""

    organisation_kind: str | None = None
    organisation_id: str | None = None
    skill: str | None = None
    include_former: bool = False

    def __post_init__(self) -> None:
        if (self.organisation_kind is None) != (self.organisation_id is None):
            raise RuleBroken(
                "organisation_half_named",
                field="organisation_id" if self.organisation_id is None else "organisation_kind",
                message="name an organisation by both its kind and its id",
                invalid=True,
            )


def membership_of_another_college(membership_id: UUID, college: str) -> RuleBroken:
    """A membership event whose id is already a membership of another college."""
    return RuleBroken(
        "membership_of_another_college",
        field="membership_id",
        message=f"membership {membership_id} belongs to another college than {college}",
    )
