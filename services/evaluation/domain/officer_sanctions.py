"""Sanctions officers impose on a member for a term (DOMAIN.md §3, staff assessment:
warning 警告, notice of criticism 通报批评, dismissal 辞退), beside the attendance
sanctions scheduling imposes by its own rules (domain/duty_facts.py, `SanctionFact`).

A sanction is a value with its own id, so the `conduct` figure it lowers names it:
a warning counts like a verbal warning (−0.5 each), a notice of criticism or a dismissal
leaves conduct at 0 (staff_assessment.py, `DutyRecord.conduct`). Nobody sanctions
themself, and a sanction says why.

A sanction imposed by mistake is annulled (an officer or the chair, never the member
sanctioned, saying why): it is kept with its `Annulment` and no longer counts from the
next assessment published on (versions published before keep the figures it made). A
member has at most one dismissal in a term that is not annulled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal
from uuid import UUID

from shared.rules import RuleBroken

OfficerSanctionKind = Literal["warning", "notice_of_criticism", "dismissal"]
OFFICER_SANCTION_KINDS: tuple[OfficerSanctionKind, ...] = (
    "warning",
    "notice_of_criticism",
    "dismissal",
)
# A warning lowers conduct like a verbal warning; these leave it at 0.
SERIOUS_OFFICER_SANCTIONS: frozenset[OfficerSanctionKind] = frozenset(
    {"notice_of_criticism", "dismissal"}
)
# As long as scheduling's attendance sanctions may say why (their events' bound).
REASON_MAX_LENGTH = 500
# Recruitment's organisations, which a dismissal names (shared/events/evaluation.py).
OrganisationKind = Literal["department", "brigade", "detachment", "group", "squad"]


def check_reason(reason: str, *, what: str = "a sanction") -> None:
    """A reason is given (not blank) and at most `REASON_MAX_LENGTH` characters."""
    if not reason.strip():
        raise RuleBroken(
            "reason_required", field="reason", message=f"{what} says why", invalid=True
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise RuleBroken(
            "reason_too_long",
            field="reason",
            message=f"a reason is at most {REASON_MAX_LENGTH} characters",
            invalid=True,
        )


@dataclass(frozen=True)
class Annulment:
    """Who withdrew a sanction imposed by mistake, why and when."""

    annulled_by: str
    reason: str
    annulled_at: datetime

    def __post_init__(self) -> None:
        check_reason(self.reason, what="an annulment")


@dataclass(frozen=True)
class OfficerSanction:
    sanction_id: UUID
    officer_id: str
    kind: OfficerSanctionKind
    reason: str
    imposed_at: datetime
    annulment: Annulment | None = None
    # A dismissal's organisation (None for the other kinds, and for dismissals stored
    # before dismissals named one).
    organisation: DismissedFrom | None = None

    def __post_init__(self) -> None:
        if self.kind not in OFFICER_SANCTION_KINDS:
            raise RuleBroken(
                "unknown_sanction",
                field="kind",
                message=f"a sanction is one of {', '.join(OFFICER_SANCTION_KINDS)}",
                invalid=True,
            )
        check_reason(self.reason)

    @property
    def serious(self) -> bool:
        return self.kind in SERIOUS_OFFICER_SANCTIONS

    @property
    def counts(self) -> bool:
        """Whether it enters the assessment: every sanction not annulled."""
        return self.annulment is None

    def annul(self, *, person_id: str, by: str, reason: str, at: datetime) -> OfficerSanction:
        """The sanction annulled by an officer or the chair (never by the member
        sanctioned), with the reason; once only."""
        if by == person_id:
            raise RuleBroken(
                "own_sanction",
                field="person_id",
                message="nobody annuls a sanction of their own",
            )
        if self.annulment is not None:
            raise RuleBroken(
                "already_annulled",
                field="sanction_id",
                message=f"sanction {self.sanction_id} was annulled already",
            )
        return replace(self, annulment=Annulment(by, reason, at))


def check_not_own(*, officer_id: str, person_id: str) -> None:
    """An officer (or the chair) never sanctions themself."""
    if officer_id == person_id:
        raise RuleBroken(
            "own_sanction",
            field="person_id",
            message="an officer does not sanction themself",
        )


@dataclass(frozen=True)
class DismissedFrom:
    """The department or corps unit (recruitment's organisation) a dismissal (辞退) ends the
    member's membership of."""

    kind: OrganisationKind
    id: str


def dismissed_from(
    kind: OfficerSanctionKind,
    organisation_kind: OrganisationKind | None,
    organisation_id: str | None,
) -> DismissedFrom | None:
    """A dismissal names the organisation the member is dismissed from, both its kind and its
    id; a warning or a notice of criticism names none (it ends no membership)."""
    named = organisation_kind is not None or organisation_id is not None
    if kind != "dismissal":
        if named:
            raise RuleBroken(
                "organisation_not_for_kind",
                field="organisation_kind",
                message="only a dismissal names the organisation it ends a membership of",
                invalid=True,
            )
        return None
    if organisation_kind is None or organisation_id is None:
        raise RuleBroken(
            "organisation_required",
            field="organisation_id" if organisation_kind else "organisation_kind",
            message="a dismissal names the department or corps unit the member leaves",
            invalid=True,
        )
    return DismissedFrom(organisation_kind, organisation_id)


def check_one_dismissal(
    held: Iterable[OfficerSanction],
    kind: OfficerSanctionKind,
    organisation: DismissedFrom | None = None,
) -> None:
    """A member is dismissed from an organisation once in a term: no second dismissal from
    it beside one not annulled. A member of two (a department and a corps unit) may be
    dismissed from each."""
    if kind == "dismissal" and any(
        s.kind == "dismissal" and s.counts and s.organisation == organisation for s in held
    ):
        raise RuleBroken(
            "already_dismissed",
            field="kind",
            message="the member has a dismissal from this organisation in this term already",
        )
