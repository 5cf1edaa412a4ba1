"""The independent checker of defense schedules: written apart from the scheduler, it
reads only the finished defenses (and what the chair offered) and lists every rule
broken. A plan is kept only when this finds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from uuid import UUID

from services.evaluation.domain.defenses import Defense, PanelMember


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str


def check_defenses(
    defenses: Sequence[Defense],
    *,
    members: Sequence[PanelMember] | None = None,
    conflicted: Mapping[UUID, frozenset[str]] | None = None,
    panel_size: int | None = None,
) -> list[Violation]:
    """Every broken rule of these defenses (an empty list: the schedule holds).

    Always: each defense has a panel without repeats and ends after it starts; each report
    has one defense; no panel member and no room is in two overlapping defenses. With
    `members`: panel members are among them and sit only when available. With
    `conflicted`: no one judges a report they authored or advised. With `panel_size`: each
    panel has exactly that many members.
    """
    found: list[Violation] = []
    reports: set[UUID] = set()
    for d in defenses:
        name = f"defense of {d.report_id}"
        if not d.panel_ids:
            found.append(Violation("no_panel", f"{name} has no panel"))
        if len(set(d.panel_ids)) != len(d.panel_ids):
            found.append(Violation("panel_repeats", f"{name} lists a member twice"))
        if panel_size is not None and len(set(d.panel_ids)) != panel_size:
            found.append(
                Violation("panel_size", f"{name} has {len(d.panel_ids)} members, not {panel_size}")
            )
        if d.ends_at <= d.starts_at:
            found.append(Violation("empty_slot", f"{name} ends before it starts"))
        if d.report_id in reports:
            found.append(Violation("report_twice", f"{d.report_id} has two defenses"))
        reports.add(d.report_id)
        if conflicted is not None:
            for person in sorted(set(d.panel_ids) & conflicted.get(d.report_id, frozenset())):
                found.append(Violation("conflict", f"{person} judges their own report in {name}"))
        if members is not None:
            found.extend(_availability(d, {m.person_id: m for m in members}))
    for a, b in combinations(defenses, 2):
        if not (a.starts_at < b.ends_at and b.starts_at < a.ends_at):
            continue
        for person in sorted(set(a.panel_ids) & set(b.panel_ids)):
            found.append(
                Violation(
                    "member_double_booked",
                    f"{person} sits in the overlapping defenses of {a.report_id} and {b.report_id}",
                )
            )
        if a.room == b.room:
            found.append(
                Violation(
                    "room_double_booked",
                    f"room {a.room!r} holds the overlapping defenses of {a.report_id}"
                    f" and {b.report_id}",
                )
            )
    return found


def _availability(defense: Defense, members: Mapping[str, PanelMember]) -> list[Violation]:
    found: list[Violation] = []
    for person in defense.panel_ids:
        member = members.get(person)
        if member is None:
            found.append(Violation("unknown_member", f"{person} was not offered as a member"))
        elif member.available is not None and not any(
            start <= defense.starts_at and defense.ends_at <= end for start, end in member.available
        ):
            found.append(
                Violation(
                    "member_unavailable",
                    f"{person} is not available for the defense of {defense.report_id}",
                )
            )
    return found
