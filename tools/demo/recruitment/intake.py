"""Demo: the September department intake (纳新) of both colleges, through the API only.

Safe to load twice: an intake already opened, an application already made and a
result already published are answered 409 and counted as present.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

Token = Callable[[str, str, str], dict[str, str]]

# college -> (intake id, title, capacities,
#             candidates: id, name, choices, (communication, planning))
INTAKES: dict[
    str, tuple[str, str, dict[str, int], list[tuple[str, str, list[str], tuple[int, int]]]]
] = {
    "cs": (
        "2026-autumn",
        "计算机学院学生会 2026 年秋季纳新",
        {"organisation": 1, "publicity": 2, "sports": 2, "volunteers": 2},
        [
            ("cs-2025001", "陈晨", ["organisation", "publicity"], (88, 84)),
            ("cs-2025002", "刘洋", ["organisation", "volunteers"], (82, 83)),
            ("cs-2025003", "赵敏", ["publicity", "sports"], (76, 80)),
            ("cs-2025004", "孙磊", ["sports"], (70, 65)),
            ("cs-2025005", "周婷", ["volunteers", "publicity", "sports"], (91, 78)),
        ],
    ),
    "fl": (
        "2026-autumn",
        "外国语学院学生会 2026 年秋季纳新",
        {"external_relations": 2, "arts": 1, "study": 2},
        [
            ("fl-2025001", "吴静", ["external_relations", "arts"], (93, 85)),
            ("fl-2025002", "郑浩", ["arts", "study"], (72, 79)),
            ("fl-2025003", "王雪", ["arts", "external_relations"], (85, 88)),
        ],
    ),
}


def _present(response: httpx.Response) -> bool:
    if response.status_code not in (200, 201, 409):
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
    return True


async def seed_intake(client: httpx.AsyncClient, urls: dict[str, str], token: Token) -> str:
    admitted = 0
    for college, (intake_id, title, capacities, candidates) in INTAKES.items():
        base = f"{urls['recruitment']}/api/recruitment/colleges/{college}"
        officer = token(f"{college}-officer", "officer", college)
        assessor = token(f"{college}-t-assessor", "teacher", college)
        _present(
            await client.post(
                f"{base}/intakes",
                json={"intake_id": intake_id, "title": title, "departments": capacities},
                headers=officer,
            )
        )
        for person, name, choices, (communication, planning) in candidates:
            _present(
                await client.post(
                    f"{base}/intakes/{intake_id}/applications",
                    json={"name": name, "choices": choices},
                    headers=token(person, "student", college),
                )
            )
            for department in choices:
                # Scores cannot change once published (409): counted as present.
                _present(
                    await client.put(
                        f"{base}/intakes/{intake_id}/applications/{person}/assessments/{department}",
                        json={"communication": communication, "planning": planning},
                        headers=assessor,
                    )
                )
        _present(await client.post(f"{base}/intakes/{intake_id}/publish", headers=officer))
        results = await client.get(
            f"{base}/intakes/{intake_id}/results", params={"limit": 200}, headers=officer
        )
        admitted += sum(1 for r in results.json()["items"] if r["department"])
    return f"intake: {len(INTAKES)} intakes published, {admitted} candidates admitted"
