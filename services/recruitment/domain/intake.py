"""Department intake (纳新): candidates rank departments, assessors score them, a stable match.

Each September a college's departments publish capacities; candidates rank up
to N of them; assessors score each candidate's communication and planning
(0–100 each) for every department the candidate chose. A department ranks its
candidates by score = the mean of the two (higher first); ties go to the earlier
application, then the smaller candidate id, so the result never depends on
input order. Admission is candidate-proposing deferred acceptance (Gale–Shapley):
no candidate and department would both rather have each other than what they got.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.recruitment.domain.rules import RuleBroken
from shared.events.recruitment import IntakeResultPublished

# DOMAIN.md "Organisation": the student union's departments, by code.
DEPARTMENTS: dict[str, str] = {
    "presidium": "主席团",
    "office": "办公室",
    "organisation": "组织部",
    "publicity": "宣传部",
    "arts": "文艺部",
    "sports": "体育部",
    "study": "学习部",
    "volunteers": "志愿者部",
    "finance": "财务部",
    "social_practice": "社会实践部",
    "external_relations": "外联部",
}
DEFAULT_MAX_CHOICES = 3
_ORDINALS = ("1st", "2nd", "3rd")


@dataclass(frozen=True)
class Intake:
    college: str
    id: str
    title: str
    max_choices: int
    capacities: Mapping[str, int]
    opened_at: datetime
    published_at: datetime | None = None

    @property
    def published(self) -> bool:
        return self.published_at is not None


@dataclass(frozen=True)
class Candidate:
    candidate_id: str
    name: str
    choices: tuple[str, ...]
    applied_at: datetime


@dataclass(frozen=True)
class Assessment:
    candidate_id: str
    department: str
    communication: int
    planning: int

    @property
    def score_x2(self) -> int:
        """Twice the mean score: exact integer arithmetic, same order as the mean."""
        return self.communication + self.planning

    @property
    def score(self) -> float:
        """The mean of the two scores, as candidates and assessors read it."""
        return self.score_x2 / 2


@dataclass(frozen=True)
class Outcome:
    candidate_id: str
    department: str | None
    choice_rank: int | None  # 1 = first choice
    explanation: str


@dataclass(frozen=True)
class Publication:
    """A published intake and what its matching decided, department by department."""

    intake: Intake
    outcomes: Sequence[Outcome]
    admitted_by_department: Mapping[str, int]
    unplaced: int


def department_name(code: str) -> str:
    return DEPARTMENTS.get(code, code)


def ordinal(rank: int) -> str:
    return _ORDINALS[rank - 1] if rank <= len(_ORDINALS) else f"{rank}th"


def _places(n: int) -> str:
    return "1 place" if n == 1 else f"{n} places"


def _score_text(score_x2: int) -> str:
    return str(score_x2 // 2) if score_x2 % 2 == 0 else f"{score_x2 / 2:.1f}"


# --- rules -----------------------------------------------------------------------------
# A rule about the input itself is `invalid` (answered 422); the three about what already
# exists (a taken id, a second application, a published result) are conflicts (409).


def intake_id_taken_broken(intake_id: str) -> RuleBroken:
    """Refusal of a second intake with the same id (found by a check or by the database)."""
    return RuleBroken("intake_id_taken", field="intake_id", message=f"intake {intake_id} exists")


def one_application_per_intake_broken() -> RuleBroken:
    """Refusal of a second application to one intake (found by a check or by the database)."""
    return RuleBroken(
        "one_application_per_intake",
        field="candidate_id",
        message="you have already applied to this intake",
    )


def open_intake(
    *,
    college: str,
    intake_id: str,
    title: str,
    capacities: Mapping[str, int],
    max_choices: int | None,
    intake_exists: bool,
    now: datetime,
) -> Intake:
    """N choices per candidate: as configured, else 3 (or fewer, if fewer departments)."""
    if intake_exists:
        raise intake_id_taken_broken(intake_id)
    if not capacities:
        raise RuleBroken(
            field="departments",
            rule="at_least_one_department",
            message="an intake needs at least one department",
            invalid=True,
        )
    for department, capacity in capacities.items():
        if department not in DEPARTMENTS:
            raise RuleBroken(
                field="departments",
                rule="known_department",
                message=f"{department} is not a department of the student union",
                invalid=True,
            )
        if capacity < 1:
            raise RuleBroken(
                field="departments",
                rule="capacity_at_least_one",
                message=f"{department_name(department)} must have at least one place",
                invalid=True,
            )
    if max_choices is None:
        max_choices = min(DEFAULT_MAX_CHOICES, len(capacities))
    if not 1 <= max_choices <= len(capacities):
        raise RuleBroken(
            field="max_choices",
            rule="choices_within_departments",
            message=f"max_choices must be between 1 and {len(capacities)}",
            invalid=True,
        )
    return Intake(college, intake_id, title, max_choices, dict(capacities), now)


def _ensure_open(intake: Intake) -> None:
    if intake.published:
        raise RuleBroken(
            field="intake_id",
            rule="intake_already_published",
            message="the intake result is already published",
        )


def apply_to_intake(
    intake: Intake,
    *,
    candidate_id: str,
    name: str,
    choices: Sequence[str],
    already_applied: bool,
    now: datetime,
) -> Candidate:
    """A candidate ranks 1..N distinct departments of this intake, once per intake."""
    _ensure_open(intake)
    if already_applied:
        raise one_application_per_intake_broken()
    if not choices:
        raise RuleBroken(
            field="choices",
            rule="at_least_one_choice",
            message="rank at least one department",
            invalid=True,
        )
    if len(choices) > intake.max_choices:
        raise RuleBroken(
            field="choices",
            rule="at_most_n_choices",
            message=f"rank at most {intake.max_choices} departments",
            invalid=True,
        )
    if len(set(choices)) != len(choices):
        raise RuleBroken(
            field="choices",
            rule="no_duplicate_choices",
            message="a department is ranked twice",
            invalid=True,
        )
    for choice in choices:
        if choice not in intake.capacities:
            raise RuleBroken(
                field="choices",
                rule="department_in_intake",
                message=f"{department_name(choice)} is not taking members in this intake",
                invalid=True,
            )
    return Candidate(candidate_id, name, tuple(choices), now)


def assess(
    intake: Intake, candidate: Candidate, *, department: str, communication: int, planning: int
) -> Assessment:
    """Assessors score a candidate only for a department the candidate chose."""
    _ensure_open(intake)
    if department not in candidate.choices:
        raise RuleBroken(
            field="department",
            rule="department_chosen_by_candidate",
            message=f"the candidate did not choose {department_name(department)}",
            invalid=True,
        )
    for field, value in (("communication", communication), ("planning", planning)):
        if not 0 <= value <= 100:
            raise RuleBroken(
                field=field, rule="score_0_to_100", message="scores are 0–100", invalid=True
            )
    return Assessment(candidate.candidate_id, department, communication, planning)


# --- the matching ----------------------------------------------------------------------


def department_rankings(
    candidates: Sequence[Candidate], assessments: Sequence[Assessment]
) -> dict[str, dict[str, int]]:
    """For each department, each acceptable candidate's place in its order (0 = best).

    Order: higher score first, then the earlier application, then the smaller id.
    A candidate the department did not assess is not acceptable to it.
    """
    applied = {c.candidate_id: c.applied_at for c in candidates}
    keyed: dict[str, list[tuple[int, datetime, str]]] = {}
    for a in assessments:
        if a.candidate_id in applied:
            keyed.setdefault(a.department, []).append(
                (-a.score_x2, applied[a.candidate_id], a.candidate_id)
            )
    return {
        department: {key[2]: place for place, key in enumerate(sorted(keys))}
        for department, keys in keyed.items()
    }


def match(
    capacities: Mapping[str, int],
    candidates: Sequence[Candidate],
    assessments: Sequence[Assessment],
) -> dict[str, str]:
    """Candidate-proposing deferred acceptance: candidate id -> admitting department.

    Each department holds its best `capacity` proposals in a heap whose top is
    the worst held candidate, so a better proposal displaces it in O(log c).
    """
    rankings = department_rankings(candidates, assessments)
    choices = {c.candidate_id: c.choices for c in candidates}
    next_choice = dict.fromkeys(choices, 0)
    held: dict[str, list[tuple[int, str]]] = {d: [] for d in capacities}
    free = sorted(choices, reverse=True)  # pop() proposes in id order: deterministic
    while free:
        candidate = free.pop()
        ranked = choices[candidate]
        while next_choice[candidate] < len(ranked):
            department = ranked[next_choice[candidate]]
            next_choice[candidate] += 1
            place = rankings.get(department, {}).get(candidate)
            capacity = capacities.get(department, 0)
            if place is None or capacity == 0:
                continue
            pool = held[department]
            entry = (-place, candidate)  # min-heap on -place: the top is the worst held
            if len(pool) < capacity:
                heapq.heappush(pool, entry)
                break
            if entry > pool[0]:
                free.append(heapq.heapreplace(pool, entry)[1])
                break
    return {candidate: d for d, pool in held.items() for _, candidate in pool}


def explain(
    candidates: Sequence[Candidate],
    assessments: Sequence[Assessment],
    admitted: Mapping[str, str],
    capacities: Mapping[str, int],
) -> list[Outcome]:
    """Why each candidate got what they got, in the words the candidate reads."""
    scores = {(a.candidate_id, a.department): a.score_x2 for a in assessments}
    cutoff: dict[str, int] = {}
    filled: dict[str, int] = {}
    for candidate_id, department in admitted.items():
        score = scores[(candidate_id, department)]
        cutoff[department] = min(cutoff.get(department, score), score)
        filled[department] = filled.get(department, 0) + 1
    outcomes = []
    for candidate in candidates:
        placed = admitted.get(candidate.candidate_id)
        parts: list[str] = []
        rank: int | None = None
        for position, department in enumerate(candidate.choices, start=1):
            name, nth = department_name(department), ordinal(position)
            if department == placed:
                rank = position
                parts.append(f"admitted by {name}, your {nth} choice")
                break
            if (candidate.candidate_id, department) not in scores:
                parts.append(f"not admitted by {name} (your {nth} choice): it did not assess you")
            elif department in cutoff:
                parts.append(
                    f"not admitted by {name} (your {nth} choice): its {_places(filled[department])}"
                    f" went to candidates scoring ≥ {_score_text(cutoff[department])}"
                )
            else:
                parts.append(f"not admitted by {name} (your {nth} choice)")
        if placed is None:
            parts.append("no department admitted you this time")
        outcomes.append(Outcome(candidate.candidate_id, placed, rank, "; ".join(parts)))
    return outcomes


def publish_result(
    intake: Intake,
    *,
    candidates: Sequence[Candidate],
    assessments: Sequence[Assessment],
    now: datetime,
) -> tuple[Intake, list[Outcome], IntakeResultPublished]:
    """The result is published once; it admits by the stable matching and explains it."""
    _ensure_open(intake)
    admitted = match(intake.capacities, candidates, assessments)
    outcomes = explain(candidates, assessments, admitted, intake.capacities)
    counts = dict.fromkeys(intake.capacities, 0)
    for department in admitted.values():
        counts[department] += 1
    event = IntakeResultPublished(
        college=intake.college,
        intake_id=intake.id,
        admitted_by_department=counts,
        unplaced=len(candidates) - len(admitted),
        published_at=now,
    )
    published = Intake(
        intake.college,
        intake.id,
        intake.title,
        intake.max_choices,
        intake.capacities,
        intake.opened_at,
        now,
    )
    return published, outcomes, event
