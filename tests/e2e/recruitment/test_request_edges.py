"""The inputs an outside tester's fuzzing found answered 500, sent to the real service:
each is a 422 naming the field, nothing is written, and realistic input still goes in."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx
import pytest

from tests.e2e.recruitment.test_campaigns_flow import OFFICER, application_form, campaign_form
from tests.e2e.recruitment.test_teams import Teams, students, team_form
from tests.support.auth import bearer

pytestmark = pytest.mark.e2e

NUL = "\u0000"
NAIVE = "2026-11-01T00:00:00"
EDGES = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00")


def refused_naming(response: httpx.Response, field: str) -> bool:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return field in {error["field"] for error in response.json()["errors"]}


async def test_a_campaign_and_an_application_refuse_the_testers_inputs_by_field(
    services: dict[str, str],
) -> None:
    root = f"{services['recruitment']}/api/recruitment/colleges/cs"
    campaign_id = f"edges-{uuid4().hex[:8]}"
    bad_campaigns: list[tuple[str, Any]] = [
        ("opens_at", NAIVE),
        ("opens_at", EDGES[0]),
        ("closes_at", EDGES[1]),
        ("starts_on", EDGES[0]),
        ("ends_on", EDGES[1]),
        ("title", f"一帮一{NUL}"),
        ("id", f"edges{NUL}"),
    ]
    async with httpx.AsyncClient(timeout=10) as client:
        for field, value in bad_campaigns:
            response = await client.post(
                f"{root}/campaigns",
                json=campaign_form(campaign_id, **{field: value}),
                headers=OFFICER,
            )
            assert refused_naming(response, field), (field, value, response.text)
        missing = await client.get(f"{root}/campaigns/{campaign_id}", headers=OFFICER)
        assert missing.status_code == 404

        opened = await client.post(
            f"{root}/campaigns", json=campaign_form(campaign_id), headers=OFFICER
        )
        assert opened.status_code == 201, opened.text
        student = bearer(f"cs-{uuid4().hex[:6]}", "student", "cs")
        for field, value in (("grade_year", True), ("motivation", f"想去{NUL}支教")):
            response = await client.post(
                f"{root}/applications",
                json=application_form(campaign_id, "teachers", **{field: value}),
                headers=student,
            )
            assert refused_naming(response, field), (field, response.text)

        # Typed in a browser's <textarea>: CRLF, stored as LF.
        applied = await client.post(
            f"{root}/applications",
            json=application_form(campaign_id, "teachers", motivation="想教英语。\r\n也能教数学。"),
            headers=student,
        )
        assert applied.status_code == 201, applied.text
        read = await client.get(f"{root}/applications/{applied.json()['id']}", headers=student)
        assert read.json()["motivation"] == "想教英语。\n也能教数学。"


async def test_a_season_of_0001_to_9999_is_refused_and_a_team_with_a_nul_too(
    services: dict[str, str],
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        api = Teams(client, services["recruitment"])
        forever = await client.post(
            f"{api.root}/project-seasons",
            json={
                "season": "forever",
                "title": "永远",
                "opens_on": EDGES[0],
                "closes_on": EDGES[1],
            },
            headers=bearer("cs-officer", "officer", "cs"),
        )
        assert refused_naming(forever, "opens_on") and refused_naming(forever, "closes_on")

        season = await api.open_season()
        members = students(f"cs-e{uuid4().hex[:4]}", 3)
        form = {**team_form(members), "summary": f"暑期{NUL}阅读推广"}
        assert refused_naming(await api.register(season, members[0], form), "summary")
        assert (await api.register(season, members[0], team_form(members))).status_code == 201


async def test_a_child_born_in_year_one_or_with_a_nul_in_the_address_is_refused(
    services: dict[str, str],
) -> None:
    url = f"{services['recruitment']}/api/recruitment/colleges/cs/beneficiaries"
    card = {
        "name": "王小红",
        "guardian_name": "王奶奶（祖母）",
        "address": "湖南省邵阳县塘渡口镇新村3组",
        "phone": "138 0000 0101",
        "date_of_birth": "2016-03-01",
    }
    entry = {"school_id": f"edges-{uuid4().hex[:6]}", "county": "邵阳县", "grade": 4}
    async with httpx.AsyncClient(timeout=10) as client:
        for field, value in (("date_of_birth", "0001-01-01"), ("address", f"新村{NUL}3组")):
            response = await client.post(
                url,
                json={
                    **entry,
                    "categories": ["left_behind"],
                    "contact_card": {**card, field: value},
                },
                headers=bearer("cs-officer", "officer", "cs"),
            )
            assert refused_naming(response, f"contact_card.{field}"), response.text
        listed = await client.get(
            url, params={"school_id": entry["school_id"]}, headers=bearer("cs-o", "officer", "cs")
        )
        assert listed.json()["items"] == []
