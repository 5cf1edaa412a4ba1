"""Demo: the volunteer corps of the summer "一帮一" programme, through the API only.

A brigade per county, a detachment per school, specialty groups, volunteers
assigned and one moved between schools. Safe to load twice: units already formed
and members already assigned are answered 409 and found again by listing.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

Token = Callable[[str, str, str], dict[str, str]]

# college -> county -> (schools, specialty groups, volunteers per school)
CORPS: dict[str, dict[str, tuple[list[str], list[str], dict[str, list[str]]]]] = {
    "cs": {
        "岳西县": (
            ["响肠小学", "菖蒲小学"],
            ["教学组", "安全组", "宣传组", "后勤组", "联络组"],
            {"响肠小学": ["cs-2024001", "cs-2024002"], "菖蒲小学": ["cs-2024003"]},
        ),
    },
    "fl": {
        "潜山县": (["黄柏小学"], ["英语教学组"], {"黄柏小学": ["fl-2024001", "fl-2024002"]}),
    },
}
MOVE = ("cs", "cs-2024002", "菖蒲小学", "菖蒲小学英语老师不足，调往支援")


def _checked(response: httpx.Response) -> httpx.Response:
    if response.status_code not in (200, 201, 409):
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
    return response


async def _units(client: httpx.AsyncClient, base: str, headers: dict[str, str]) -> list[dict]:
    response = _checked(await client.get(f"{base}/corps/units?limit=200", headers=headers))
    items: list[dict] = response.json()["items"]
    return items


async def _unit(
    client: httpx.AsyncClient, base: str, headers: dict[str, str], form: dict[str, str], key: str
) -> str:
    made = _checked(await client.post(f"{base}/corps/units", json=form, headers=headers))
    if made.status_code == 201:
        unit_id: str = made.json()["id"]
        return unit_id
    for unit in await _units(client, base, headers):
        if unit["kind"] == form["kind"] and unit[key] == form[key]:
            found: str = unit["id"]
            return found
    raise RuntimeError(f"unit {form} refused and not found")


async def seed_corps(client: httpx.AsyncClient, urls: dict[str, str], token: Token) -> str:
    units = members = 0
    detachment_of: dict[tuple[str, str], str] = {}
    for college, counties in CORPS.items():
        base = f"{urls['recruitment']}/api/recruitment/colleges/{college}"
        officer = token(f"{college}-officer", "officer", college)
        for county, (schools, specialties, volunteers) in counties.items():
            brigade = await _unit(
                client, base, officer,
                {"kind": "brigade", "name": f"{county}大队", "county": county}, "county",
            )  # fmt: skip
            units += 1
            for school in schools:
                detachment_of[(college, school)] = await _unit(
                    client, base, officer,
                    {"kind": "detachment", "name": f"{school}分队", "school": school,
                     "brigade_id": brigade}, "school",
                )  # fmt: skip
                units += 1
            for specialty in specialties:
                await _unit(
                    client, base, officer,
                    {"kind": "group", "name": specialty, "specialty": specialty,
                     "brigade_id": brigade}, "specialty",
                )  # fmt: skip
                units += 1
            for school, people in volunteers.items():
                for person in people:
                    _checked(
                        await client.post(
                            f"{base}/corps/units/{detachment_of[(college, school)]}/members",
                            json={"person_id": person},
                            headers=officer,
                        )
                    )
                    members += 1
    college, person, school, reason = MOVE
    base = f"{urls['recruitment']}/api/recruitment/colleges/{college}"
    # Already moved on a second load: the move is refused (409) and that is fine.
    _checked(
        await client.post(
            f"{base}/corps/moves",
            json={
                "person_id": person,
                "to_unit_id": detachment_of[(college, school)],
                "reason": reason,
            },
            headers=token(f"{college}-officer", "officer", college),
        )
    )
    return f"corps: {units} units, {members} volunteers assigned, 1 moved between schools"
