"""The versions of a member's published assessment for a term (staff assessment, 考核):
what publishing does given what the member's record holds now and the latest version.

- A record (a fact in the term, an officer's score, a sanction not annulled) whose figures
  differ from the latest version's, or with no version yet or the latest withdrawn:
  a new version (`publish`).
- The same figures as the latest version: nothing new (`unchanged`).
- Nothing left to assess (the only record was a sanction since annulled; the facts or
  scores went away, e.g. the term's window moved) while the latest version stands: a
  withdrawn version in its place (`withdraw`), so the member's assessment is no longer
  the one built on what went away. Again with still nothing: `unchanged`.
- Nothing to assess and never published: refused (`nothing_to_assess`).

Every version is kept: a withdrawn one has no total and no figures; those before keep
theirs, and a record that appears again gives a normal version, numbered on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol

from services.evaluation.domain.staff_assessment import DutyRecord
from shared.rules import RuleBroken

PublishingStep = Literal["publish", "unchanged", "withdraw"]


class PublishedVersion(Protocol):
    """What the rule reads of the latest version."""

    @property
    def figures(self) -> Sequence[Mapping[str, Any]]: ...

    @property
    def withdrawn(self) -> bool: ...


def has_record(record: DutyRecord, total: float | None) -> bool:
    """Whether there is anything to assess: conduct alone (no sanction = 1) is no record of
    a member at all; nor is a sanction since annulled."""
    return total is not None and bool(
        record.facts or record.officer_scores or record.counted_sanctions
    )


def publishing_step(
    *,
    assessable: bool,
    figures: Sequence[Mapping[str, Any]],
    latest: PublishedVersion | None,
    person_id: str,
    term: str,
) -> PublishingStep:
    """What publishing the member's assessment does now (see the module's rules)."""
    if not assessable:
        if latest is None:
            raise RuleBroken(
                "nothing_to_assess",
                field="person_id",
                message=f"{person_id} has no duty record, no officer's score and no sanction"
                f" in term {term}",
            )
        return "unchanged" if latest.withdrawn else "withdraw"
    if latest is not None and not latest.withdrawn and list(latest.figures) == list(figures):
        return "unchanged"
    return "publish"
