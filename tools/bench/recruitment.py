"""The recruitment benchmarks (`campusflow bench recruitment`).

Pairing: one county's children and volunteers paired in one run. The data is generated
(seeded, so every run pairs the same county): schools of 40–160 children; children with
one to three subject needs, a third of them with last season's volunteer; volunteers
attached to a school or only to the county, with two or three skills and a load limit of
one to three children. Only the matcher is timed (what an officer waits for after "run
pairing"), not the data generation.

Intake: the department intake's stable matching (纳新) over generated candidates.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from services.recruitment.domain.intake import (
    DEFAULT_MAX_CHOICES,
    DEPARTMENTS,
    Assessment,
    Candidate,
    match,
)
from services.recruitment.domain.pairing import (
    ChildToPair,
    PairingMode,
    VolunteerToPair,
    pairing_options,
    pairing_score,
)
from services.recruitment.pairing.solver import propose_pairings

COUNTY = "bench-county"
SUBJECTS = ("语文", "数学", "英语", "科学", "美术", "音乐", "体育", "作业辅导")


def generate_county(
    *, children: int, volunteers: int, seed: int
) -> tuple[list[ChildToPair], list[VolunteerToPair]]:
    rng = random.Random(seed)
    schools = [f"school-{i:03d}" for i in range(max(1, children // 100))]
    helpers = [
        VolunteerToPair(
            volunteer_id=f"v{i:05d}",
            skills=tuple(rng.sample(SUBJECTS, rng.randint(2, 3))),
            county=COUNTY,
            school_id=rng.choice(schools) if rng.random() < 0.8 else None,
            max_children=rng.randint(1, 3),
        )
        for i in range(volunteers)
    ]
    kids = []
    for _ in range(children):
        last = rng.choice(helpers).volunteer_id if helpers and rng.random() < 0.33 else None
        kids.append(
            ChildToPair(
                beneficiary_id=UUID(int=rng.getrandbits(128)),
                school_id=rng.choice(schools),
                county=COUNTY,
                subject_needs=tuple(rng.sample(SUBJECTS, rng.randint(1, 3))),
                last_volunteer_id=last,
            )
        )
    return kids, helpers


def first_fit(
    children: list[ChildToPair], volunteers: list[VolunteerToPair]
) -> tuple[int, int, float]:
    """The baseline an officer would do by hand: each child, in register order, gets the first
    volunteer with room at the same school, else the first with room anywhere.

    Returns (pairs, objective by the same pairing_score, seconds).
    """
    started = time.perf_counter()
    room = {v.volunteer_id: v.spare_capacity for v in volunteers}
    by_school: dict[str | None, list[VolunteerToPair]] = {}
    for volunteer in volunteers:
        by_school.setdefault(volunteer.school_id, []).append(volunteer)
    anyone = iter(volunteers)
    spare: VolunteerToPair | None = next(anyone, None)
    pairs = objective = 0
    for child in children:
        chosen = next((v for v in by_school.get(child.school_id, []) if room[v.volunteer_id]), None)
        while chosen is None and spare is not None:
            if room[spare.volunteer_id]:
                chosen = spare
            else:
                spare = next(anyone, None)
        if chosen is None:
            continue
        room[chosen.volunteer_id] -= 1
        pairs += 1
        objective += pairing_score(child, chosen)
    return pairs, objective, time.perf_counter() - started


def bench_pairing(*, children: int = 5000, volunteers: int = 3000, seed: int = 7) -> dict[str, Any]:
    """Pair a generated county one-to-one; returns pairing_s, pairing_objective, pairing_pairs."""
    kids, helpers = generate_county(children=children, volunteers=volunteers, seed=seed)
    options = pairing_options(mode=PairingMode.ONE_TO_ONE, volunteers_per_child=1)
    started = time.perf_counter()
    plan = propose_pairings(kids, helpers, options)
    elapsed = time.perf_counter() - started
    baseline_pairs, baseline_objective, baseline_s = first_fit(kids, helpers)
    return {
        "pairing_s": round(elapsed, 3),
        "pairing_objective": plan.objective,
        "pairing_pairs": len(plan.proposals),
        "pairing_children": children,
        "pairing_volunteers": volunteers,
        "pairing_unpaired": len(plan.unpaired),
        "baseline_first_fit_pairs": baseline_pairs,
        "baseline_first_fit_objective": baseline_objective,
        "baseline_first_fit_s": round(baseline_s, 3),
    }


def bench_intake(
    *, candidates: int = 2000, departments: int = 11, seed: int = 7
) -> dict[str, float | int]:
    """Times the stable matching alone (goal ≤ 2 s for 2,000 candidates over 11 departments)."""
    rng = random.Random(seed)
    codes = sorted(DEPARTMENTS)[:departments]
    # Places for roughly three quarters of the candidates, so some are unplaced.
    capacities = {code: max(1, candidates * 3 // (4 * len(codes))) for code in codes}
    start = datetime(2026, 9, 1, tzinfo=UTC)
    people: list[Candidate] = []
    scores: list[Assessment] = []
    for i in range(candidates):
        choices = tuple(rng.sample(codes, min(DEFAULT_MAX_CHOICES, len(codes))))
        people.append(Candidate(f"c{i:05d}", f"c{i}", choices, start + timedelta(seconds=i)))
        for code in choices:
            scores.append(Assessment(f"c{i:05d}", code, rng.randint(40, 100), rng.randint(40, 100)))
    began = time.perf_counter()
    admitted = match(capacities, people, scores)
    elapsed = time.perf_counter() - began
    return {"intake_s": round(elapsed, 4), "intake_admitted": len(admitted)}
