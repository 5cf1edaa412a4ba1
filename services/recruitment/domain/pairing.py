"""Pairing volunteers with children (一对一 / 多对一 结对帮扶), DOMAIN.md §1.

A child is paired with one volunteer (一对一) or several (多对一). What makes a
good pair, in order: the child is paired at all (the goal is 100%); the same
volunteer as last season (continuity matters most to a child); a volunteer from
the same school, else the same county; a volunteer whose skills cover the
child's subject needs. A volunteer never carries more children than their load
limit. Every pair says why it was chosen, in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from services.recruitment.domain.rules import RuleBroken
from shared.events.recruitment import PairingCreated, PairingEnded

# Several-to-one is for children who need several subjects; more than five
# volunteers per child is a class, not a pairing.
MAX_VOLUNTEERS_PER_CHILD = 5

# Quality weights. Continuity outweighs place and subjects together: changing a
# child's volunteer is the costliest thing a pairing can do.
CONTINUITY_SCORE = 100
SAME_SCHOOL_SCORE = 40
SAME_COUNTY_SCORE = 20
PER_NEED_COVERED_SCORE = 10
MAX_NEEDS_SCORED = 5
MAX_SCORE = CONTINUITY_SCORE + SAME_SCHOOL_SCORE + PER_NEED_COVERED_SCORE * MAX_NEEDS_SCORED

# Why a pairing ended when its volunteer left the programme.
VOLUNTEER_WITHDREW = "志愿者退出 volunteer withdrew"


class PairingMode(StrEnum):
    ONE_TO_ONE = "one_to_one"
    MANY_TO_ONE = "many_to_one"


class Place(StrEnum):
    SAME_SCHOOL = "same_school"
    SAME_COUNTY = "same_county"
    ELSEWHERE = "elsewhere"


@dataclass(frozen=True)
class PairingOptions:
    mode: PairingMode
    volunteers_per_child: int


def check_run_scope(*, school_id: str | None, county: str | None) -> None:
    """A run pairs the children of one school or of one county, not both, not neither."""
    if (school_id is None) == (county is None):
        raise RuleBroken(
            field="school_id",
            rule="school_or_county",
            message="give either a school_id or a county, not both",
            invalid=True,
        )


def pairing_options(*, mode: PairingMode, volunteers_per_child: int) -> PairingOptions:
    """One-to-one means exactly one volunteer; several-to-one means 1..5."""
    if mode is PairingMode.ONE_TO_ONE and volunteers_per_child != 1:
        raise RuleBroken(
            field="volunteers_per_child",
            rule="one_to_one_means_one_volunteer",
            message="one-to-one pairing gives each child exactly one volunteer",
            invalid=True,
        )
    if not 1 <= volunteers_per_child <= MAX_VOLUNTEERS_PER_CHILD:
        raise RuleBroken(
            field="volunteers_per_child",
            rule="volunteers_per_child_range",
            message=f"a child gets 1 to {MAX_VOLUNTEERS_PER_CHILD} volunteers",
            invalid=True,
        )
    return PairingOptions(mode=mode, volunteers_per_child=volunteers_per_child)


@dataclass(frozen=True)
class ChildToPair:
    """What pairing may know of a child: place and needs, never personal fields."""

    beneficiary_id: UUID
    school_id: str
    county: str
    subject_needs: tuple[str, ...] = ()
    last_volunteer_id: str | None = None  # of the last pairing that ran to the season's end
    current_volunteer_ids: tuple[str, ...] = ()
    # Volunteers whose pairing with this child was ended before the season was
    # over: a run never proposes them again for this child (an officer still may).
    barred_volunteer_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class VolunteerToPair:
    volunteer_id: str
    skills: tuple[str, ...]
    county: str | None
    school_id: str | None
    max_children: int
    current_load: int = 0

    @property
    def spare_capacity(self) -> int:
        return max(0, self.max_children - self.current_load)


def place_of(child: ChildToPair, volunteer: VolunteerToPair) -> Place:
    if volunteer.school_id is not None and volunteer.school_id == child.school_id:
        return Place.SAME_SCHOOL
    if volunteer.county is not None and volunteer.county == child.county:
        return Place.SAME_COUNTY
    return Place.ELSEWHERE


def covered_needs(child: ChildToPair, volunteer: VolunteerToPair) -> tuple[str, ...]:
    """The child's needs the volunteer can teach, in the child's order, each once."""
    skills = set(volunteer.skills)
    return tuple(dict.fromkeys(need for need in child.subject_needs if need in skills))


def continues_last_season(child: ChildToPair, volunteer: VolunteerToPair) -> bool:
    return child.last_volunteer_id == volunteer.volunteer_id


def pairing_score(child: ChildToPair, volunteer: VolunteerToPair) -> int:
    place = {Place.SAME_SCHOOL: SAME_SCHOOL_SCORE, Place.SAME_COUNTY: SAME_COUNTY_SCORE}
    score = place.get(place_of(child, volunteer), 0)
    score += PER_NEED_COVERED_SCORE * min(len(covered_needs(child, volunteer)), MAX_NEEDS_SCORED)
    if continues_last_season(child, volunteer):
        score += CONTINUITY_SCORE
    return score


def reasons_for(child: ChildToPair, volunteer: VolunteerToPair) -> tuple[str, ...]:
    """Why this pair, for the officer, the volunteer and the school teacher."""
    reasons = []
    if continues_last_season(child, volunteer):
        reasons.append("延续上一期结对 continues last season's pairing")
    place = place_of(child, volunteer)
    if place is Place.SAME_SCHOOL:
        reasons.append("同校 same school")
    elif place is Place.SAME_COUNTY:
        reasons.append("同县 same county")
    else:
        reasons.append("异地 different place")
    needs = covered_needs(child, volunteer)
    if needs:
        reasons.append(f"覆盖需求 covers needs: {', '.join(needs)}")
    elif child.subject_needs:
        reasons.append("未覆盖学科需求 subject needs not covered")
    return tuple(reasons)


@dataclass(frozen=True)
class PairingProposal:
    """A pair the matcher chose, with its quality score and reasons."""

    beneficiary_id: UUID
    volunteer_id: str
    score: int
    reasons: tuple[str, ...]


def propose(child: ChildToPair, volunteer: VolunteerToPair) -> PairingProposal:
    return PairingProposal(
        beneficiary_id=child.beneficiary_id,
        volunteer_id=volunteer.volunteer_id,
        score=pairing_score(child, volunteer),
        reasons=reasons_for(child, volunteer),
    )


@dataclass(frozen=True)
class Pairing:
    id: UUID
    college: str
    beneficiary_id: UUID
    volunteer_id: str
    school_id: str
    county: str
    reasons: tuple[str, ...]
    manual: bool
    created_by: str
    created_at: datetime
    run_id: UUID | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None
    season_over: bool = False  # ended because the season finished, not cut short

    @property
    def active(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True)
class PairingRun:
    """What one run of the matcher did for a school or a county."""

    run_id: UUID
    school_id: str | None
    county: str | None
    options: PairingOptions
    children_considered: int
    pairings: tuple[Pairing, ...]
    unpaired_beneficiary_ids: tuple[UUID, ...]
    objective: int  # total quality score of the pairs made

    @property
    def pairings_created(self) -> int:
        return len(self.pairings)

    @property
    def children_unpaired(self) -> int:
        return len(self.unpaired_beneficiary_ids)


@dataclass(frozen=True)
class PairingFilter:
    """Which pairings a listing shows; each criterion given narrows it."""

    school_id: str | None = None
    county: str | None = None
    volunteer_id: str | None = None
    beneficiary_id: UUID | None = None
    run_id: UUID | None = None
    active: bool | None = None


def _created(pairing: Pairing) -> PairingCreated:
    return PairingCreated(
        college=pairing.college,
        pairing_id=pairing.id,
        beneficiary_id=pairing.beneficiary_id,
        volunteer_id=pairing.volunteer_id,
        school_id=pairing.school_id,
        reasons=list(pairing.reasons),
        manual=pairing.manual,
        created_at=pairing.created_at,
    )


def create_pairings(
    *,
    college: str,
    proposals: Iterable[PairingProposal],
    children: Mapping[UUID, ChildToPair],
    created_by: str,
    run_id: UUID,
    now: datetime,
    new_id: Callable[[], UUID],
) -> list[tuple[Pairing, PairingCreated]]:
    """A pairing run's proposals become pairings, each announced."""
    created = []
    for proposal in proposals:
        child = children[proposal.beneficiary_id]
        pairing = Pairing(
            id=new_id(),
            college=college,
            beneficiary_id=child.beneficiary_id,
            volunteer_id=proposal.volunteer_id,
            school_id=child.school_id,
            county=child.county,
            reasons=proposal.reasons,
            manual=False,
            created_by=created_by,
            created_at=now,
            run_id=run_id,
        )
        created.append((pairing, _created(pairing)))
    return created


def _require_reason(reason: str) -> str:
    if not reason.strip():
        raise RuleBroken(
            field="reason", rule="reason_required", message="a reason must be given", invalid=True
        )
    return reason.strip()


def already_paired_broken() -> RuleBroken:
    # Shared with the service, which meets the same rule as a database race.
    return RuleBroken(
        field="volunteer_id",
        rule="one_active_pairing_per_volunteer_and_child",
        message="this volunteer is already paired with this child",
    )


def pair_manually(
    *,
    pairing_id: UUID,
    college: str,
    child: ChildToPair,
    volunteer: VolunteerToPair,
    reason: str,
    created_by: str,
    now: datetime,
) -> tuple[Pairing, PairingCreated]:
    """An officer's override: still within the volunteer's load, with a reason."""
    reason = _require_reason(reason)
    if volunteer.volunteer_id in child.current_volunteer_ids:
        raise already_paired_broken()
    if volunteer.spare_capacity < 1:
        raise RuleBroken(
            field="volunteer_id",
            rule="volunteer_load_limit",
            message=(
                f"volunteer {volunteer.volunteer_id} already has {volunteer.current_load}"
                f" of at most {volunteer.max_children} children"
            ),
        )
    if len(child.current_volunteer_ids) >= MAX_VOLUNTEERS_PER_CHILD:
        raise RuleBroken(
            field="beneficiary_id",
            rule="volunteers_per_child_limit",
            message=f"a child has at most {MAX_VOLUNTEERS_PER_CHILD} volunteers",
        )
    pairing = Pairing(
        id=pairing_id,
        college=college,
        beneficiary_id=child.beneficiary_id,
        volunteer_id=volunteer.volunteer_id,
        school_id=child.school_id,
        county=child.county,
        reasons=(f"人工指定 manual: {reason}", *reasons_for(child, volunteer)),
        manual=True,
        created_by=created_by,
        created_at=now,
    )
    return pairing, _created(pairing)


def end_pairing(
    *, pairing: Pairing, reason: str, now: datetime, season_over: bool = False
) -> tuple[Pairing, PairingEnded]:
    """A pairing ends once, and always says why.

    Only a pairing that ran until the season was over carries on into the next
    season (continuity); one cut short is not proposed again by a run.
    """
    reason = _require_reason(reason)
    if not pairing.active:
        raise RuleBroken(
            field="pairing_id",
            rule="pairing_already_ended",
            message=f"this pairing already ended: {pairing.end_reason}",
        )
    ended = replace(pairing, ended_at=now, end_reason=reason, season_over=season_over)
    event = PairingEnded(
        college=pairing.college,
        pairing_id=pairing.id,
        beneficiary_id=pairing.beneficiary_id,
        volunteer_id=pairing.volunteer_id,
        reason=reason,
        ended_at=now,
    )
    return ended, event
