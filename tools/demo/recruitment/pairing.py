"""Demo: pair the register's children with the enrolled volunteers, county by county.

Runs after the beneficiary and campaign seeds (children registered, volunteers
enrolled), through the API only. Safe to load twice: a second run finds every
child already paired and creates nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

Token = Callable[[str, str, str], dict[str, str]]

COLLEGES = ("cs", "fl")
PAGE = 200


async def _counties(client: httpx.AsyncClient, root: str, headers: dict[str, str]) -> list[str]:
    counties: set[str] = set()
    offset = 0
    while True:
        page = await client.get(
            f"{root}/beneficiaries", params={"limit": PAGE, "offset": offset}, headers=headers
        )
        page.raise_for_status()
        items = page.json()["items"]
        counties.update(item["county"] for item in items)
        if len(items) < PAGE:
            return sorted(counties)
        offset += PAGE


async def seed_pairing(client: httpx.AsyncClient, urls: dict[str, str], token: Token) -> str:
    runs = created = unpaired = 0
    for college in COLLEGES:
        root = f"{urls['recruitment']}/api/recruitment/colleges/{college}"
        officer = token(f"{college}-officer", "officer", college)
        for county in await _counties(client, root, officer):
            response = await client.post(
                f"{root}/pairing-runs", json={"county": county}, headers=officer
            )
            response.raise_for_status()
            run = response.json()
            runs += 1
            created += run["pairings_created"]
            unpaired += run["children_unpaired"]
    return f"pairing: {runs} county runs, {created} pairs created, {unpaired} children unpaired"
