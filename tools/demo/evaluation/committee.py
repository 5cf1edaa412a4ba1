"""The committee's initial review (初审) through the API: class rosters (for same-class
conflicts), the reviewers and their loads, one declared conflict, the rubric, the
assignment run, and every assigned reviewer's scores. Loading again changes nothing:
what exists is read back, not set again."""

from __future__ import annotations

import zlib
from typing import Any

import httpx

from tools.demo.evaluation.cast import (
    CHAIR,
    CLASSES,
    COLLEGE,
    CRITERIA,
    DECLARED,
    REVIEWERS,
    RUBRIC,
    comment_for,
    quality_of,
)
from tools.demo.scheduling.calls import Token, checked

CRITERION_OFFSET = {"method": -2.0, "findings": 1.0, "writing": 0.0}


async def form_committee(client: httpx.AsyncClient, root: str, token: Token, season: str) -> str:
    chair = token(CHAIR, "college_admin", COLLEGE)
    for class_id, members in CLASSES.items():
        checked(
            await client.put(
                f"{root}/classes/{class_id}", json={"member_ids": members}, headers=chair
            ),
            200,
            201,
        )
    for reviewer in REVIEWERS:
        body: dict[str, Any] = {"load": reviewer.load}
        if reviewer.class_id is not None:
            body["class_id"] = reviewer.class_id
        checked(
            await client.put(
                f"{root}/seasons/{season}/reviewers/{reviewer.reviewer_id}",
                json=body,
                headers=chair,
            ),
            200,
            201,
        )
    who, about, reason = DECLARED
    own = token(who, "reviewer", COLLEGE)
    declared = checked(
        await client.get(f"{root}/seasons/{season}/conflicts", headers=own), 200
    ).json()["items"]
    if not any(c.get("person_id") == about for c in declared):
        checked(
            await client.post(
                f"{root}/seasons/{season}/conflicts",
                json={"person_id": about, "reason": reason},
                headers=own,
            ),
            201,
        )
    rubric = await client.get(f"{root}/seasons/{season}/rubric", headers=chair)
    if rubric.status_code == 404:
        checked(
            await client.put(f"{root}/seasons/{season}/rubric", json=RUBRIC, headers=chair),
            200,
            201,
        )
    else:
        checked(rubric, 200)
    return f"{len(REVIEWERS)} reviewers, {len(CLASSES)} class rosters, 1 declared conflict"


async def run_assignment(client: httpx.AsyncClient, root: str, token: Token, season: str) -> str:
    chair = token(CHAIR, "college_admin", COLLEGE)
    current = checked(
        await client.get(f"{root}/seasons/{season}/assignments", headers=chair), 200
    ).json()
    if current["assignments"] and not current["below_minimum"]:
        return f"assignment present ({len(current['assignments'])} reviews)"
    run = checked(
        await client.post(f"{root}/seasons/{season}/assignment-runs", headers=chair), 201
    ).json()
    return (
        f"assignment run: {len(run['new_assignments'])} reviews over {run['reports']} reports, "
        f"load spread {run['load_spread']}"
    )


def scores_for(report_key: str, reviewer_id: str, bias: float) -> dict[str, float]:
    quality = quality_of(report_key)
    # −0.4..+0.4, fixed per review: reviewers differ in detail, never across a cut-off
    wobble = (zlib.crc32(f"{report_key}/{reviewer_id}".encode()) % 9 - 4) / 10
    return {
        key: float(max(0.0, min(100.0, round(quality + bias + offset + wobble, 1))))
        for key, offset in CRITERION_OFFSET.items()
    }


async def submit_reviews(
    client: httpx.AsyncClient, root: str, token: Token, season: str, keys: dict[str, str]
) -> int:
    """Every assigned review not yet submitted (`keys`: report id -> demo key); how many."""
    submitted = 0
    for reviewer in REVIEWERS:
        own = token(reviewer.reviewer_id, "reviewer", COLLEGE)
        assigned = checked(
            await client.get(f"{root}/me/reviews", params={"season": season}, headers=own), 200
        ).json()["items"]
        for item in assigned:
            if item["review"] is not None:
                continue
            scores = scores_for(keys[item["report_id"]], reviewer.reviewer_id, reviewer.bias)
            weighted = sum(weight * scores[key] for key, _, weight in CRITERIA)
            checked(
                await client.put(
                    f"{root}/reports/{item['report_id']}/reviews/mine",
                    json={"scores": scores, "comment": comment_for(weighted)},
                    headers=own,
                ),
                200,
                201,
            )
            submitted += 1
    return submitted
