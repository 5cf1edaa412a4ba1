"""The review flow through the whole API: a season and individual requirements set by the
chair, students submitting text, the assignment run, a report arriving after the run
assigned by the submission itself (without moving anything), and its reviewer reading
the submitted text."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.evaluation.reviews_support import (
    api,
    assignments,
    chair,
    committee,
    reviewer,
    run,
    student,
    unique,
)

pytestmark = pytest.mark.e2e


async def expect_and_submit(
    client: httpx.AsyncClient, base: str, season: str, person: str, text: str | None
) -> str:
    required = await client.post(
        f"{base}/seasons/{season}/individual-requirements",
        json={"student_id": person, "title": "个人社会实践报告"},
        headers=chair(),
    )
    assert required.status_code == 201, required.text
    report_id: str = required.json()["report_id"]
    if text is not None:
        await submit_text(client, base, report_id, person, text)
    return report_id


async def submit_text(
    client: httpx.AsyncClient, base: str, report_id: str, person: str, text: str
) -> dict[str, Any]:
    response = await client.post(
        f"{base}/reports/{report_id}/versions", json={"text": text}, headers=student(person)
    )
    assert response.status_code == 201, response.text
    found: dict[str, Any] = response.json()
    return found


async def test_a_report_submitted_after_the_run_is_assigned_by_its_submission(
    services: dict[str, str],
) -> None:
    base = api(services)
    season = f"2026-r{unique('x')[-8:]}"
    now = datetime.now(UTC)
    people = [unique("r") for _ in range(3)]
    students = [unique("stu") for _ in range(4)]
    texts = [
        f"第{i}份报告：{unique('调研')}，我们在社区开展了为期两周的志愿服务。" for i in range(4)
    ]
    async with httpx.AsyncClient(timeout=60) as client:
        created = await client.put(
            f"{base}/seasons/{season}",
            json={
                "title": "2026年暑期社会实践报告",
                "term_starts_on": date.today().isoformat(),
                "opens_at": (now - timedelta(days=1)).isoformat(),
                "closes_at": (now + timedelta(days=13)).isoformat(),
            },
            headers=chair(),
        )
        assert created.status_code in (200, 201), created.text
        await committee(client, base, season, people, load=3)
        early = [
            await expect_and_submit(client, base, season, s, t)
            for s, t in zip(students[:3], texts[:3], strict=True)
        ]
        late = await expect_and_submit(client, base, season, students[3], None)
        ran = await run(client, base, season)
        assert ran.status_code == 201, ran.text
        assert ran.json()["reports"] == 3
        before = (await assignments(client, base, season))["assignments"]
        assert {a["report_id"] for a in before} == set(early) and len(before) == 6

        await submit_text(client, base, late, students[3], texts[3])
        after = (await assignments(client, base, season))["assignments"]
        assert [a for a in after if a["report_id"] != late] == before
        arrived = [a for a in after if a["report_id"] == late]
        assert len(arrived) == 2 and {a["why"] for a in arrived} == {"late_arrival"}
        assert sorted(Counter(a["reviewer_id"] for a in after).values()) == [2, 3, 3]
        # A second version is not a new arrival: nothing more is assigned.
        await submit_text(client, base, late, students[3], texts[3] + "（修订版）")
        assert (await assignments(client, base, season))["assignments"] == after

        mine = await client.get(
            f"{base}/me/reviews",
            params={"season": season},
            headers=reviewer(arrived[0]["reviewer_id"]),
        )
        assert mine.status_code == 200, mine.text
        item = next(i for i in mine.json()["items"] if i["report_id"] == late)
        assert item["version"] == 2 and item["body"].endswith("（修订版）")
        assert item["review"] is None
