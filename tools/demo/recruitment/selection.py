"""Demo: the summer "一帮一" campaign closes and its teachers are chosen and placed.

Placing the admitted volunteers in the county of their college's register lets
the pairing demo pair them with children. Safe to run twice: a closed campaign
or a decided position is answered 409 and counted as done.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tools.demo.recruitment.beneficiaries import CHILDREN

Token = Callable[[str, str, str], dict[str, str]]

CAMPAIGN = "2026-summer-yibangyi"
POSITION = "teachers"
_DONE = (200, 201, 409)


def _check(response: httpx.Response, what: str) -> None:
    if response.status_code not in _DONE:
        raise RuntimeError(f"{what}: {response.status_code} {response.text}")


async def seed_selection(client: httpx.AsyncClient, urls: dict[str, str], token: Token) -> str:
    base = f"{urls['recruitment']}/api/recruitment/colleges"
    admitted = 0
    for college in sorted({child.college for child in CHILDREN}):
        officer = token(f"{college}-officer", "officer", college)
        schools = sorted({(c.county, c.school_id) for c in CHILDREN if c.college == college})
        campaign = f"{base}/{college}/campaigns/{CAMPAIGN}"
        _check(
            await client.post(
                f"{campaign}/closing", json={"reason": "暑期支教招募结束"}, headers=officer
            ),
            "closing the summer campaign",
        )
        _check(await client.post(f"{campaign}/screening", headers=officer), "screening")
        listed = await client.get(
            f"{base}/{college}/applications",
            params={"campaign_id": CAMPAIGN, "limit": 200},
            headers=officer,
        )
        listed.raise_for_status()
        candidates = [a for a in listed.json()["items"] if a.get("position_id") == POSITION]
        places = [
            {"application_id": a["id"], "county": county, "school_id": school}
            for a, (county, school) in zip(candidates, schools * len(candidates), strict=False)
        ]
        decision = await client.post(
            f"{campaign}/positions/{POSITION}/decision", json={"places": places}, headers=officer
        )
        _check(decision, "deciding the summer teachers")
        if decision.status_code == 200:
            admitted += len(decision.json()["admitted"])
    return f"selection: summer campaign closed, {admitted} teachers admitted and placed"
