"""Volunteer campaigns: a college sees only its own; bad input is refused naming field and rule."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import pytest

from tests.e2e.recruitment.test_campaigns_flow import (
    OFFICER,
    application_form,
    bearer,
    campaign_form,
)

pytestmark = pytest.mark.e2e


async def test_a_college_never_sees_another_colleges_campaigns(
    services: dict[str, str],
) -> None:
    campaign_id = f"private-{uuid4().hex[:8]}"
    base = f"{services['recruitment']}/api/recruitment/colleges"
    math_officer = bearer("m-officer", "officer", "math")
    async with httpx.AsyncClient(timeout=10) as client:
        opened = await client.post(
            f"{base}/cs/campaigns", json=campaign_form(campaign_id), headers=OFFICER
        )
        assert opened.status_code == 201
        cs = f"{base}/cs/campaigns/{campaign_id}"
        for method, url, body in (
            ("POST", f"{base}/cs/campaigns", campaign_form(f"x-{campaign_id}")),
            ("GET", f"{base}/cs/campaigns", None),
            ("GET", cs, None),
            ("POST", f"{cs}/closing", {}),
            ("POST", f"{cs}/screening", None),
            ("POST", f"{cs}/positions/teachers/decision", {}),
            ("PUT", f"{cs}/positions/squad/squad-leader", {"application_id": str(uuid4())}),
            ("GET", f"{cs}/volunteers", None),
            ("GET", f"{cs}/interview-slots", None),
            ("GET", f"{base}/cs/applications", None),
        ):
            response = await client.request(method, url, json=body, headers=math_officer)
            assert response.status_code == 403, (method, url, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")

        math_student = bearer("m-1", "student", "math")
        cross = await client.post(
            f"{base}/cs/applications",
            json=application_form(campaign_id, "teachers"),
            headers=math_student,
        )
        assert cross.status_code == 403
        # The same campaign id in the student's own college does not exist.
        elsewhere = await client.post(
            f"{base}/math/applications",
            json=application_form(campaign_id, "teachers"),
            headers=math_student,
        )
        assert elsewhere.status_code == 404
        assert (
            await client.get(f"{base}/math/campaigns/{campaign_id}", headers=math_officer)
        ).status_code == 404

        students_cannot_open = await client.post(
            f"{base}/cs/campaigns",
            json=campaign_form(f"s-{campaign_id}"),
            headers=bearer("cs-1", "student", "cs"),
        )
        assert students_cannot_open.status_code == 403
        university = bearer("u-admin", "university_admin", None)
        assert (await client.get(cs, headers=university)).status_code == 200
        mine = await client.get(
            f"{base}/cs/applications", headers=bearer("cs-nobody", "student", "cs")
        )
        assert mine.json()["items"] == []


async def test_bad_campaigns_are_refused_naming_the_field_and_rule(
    services: dict[str, str],
) -> None:
    root = f"{services['recruitment']}/api/recruitment/colleges/cs"
    now = datetime.now(UTC)
    new = f"bad-{uuid4().hex[:8]}"
    async with httpx.AsyncClient(timeout=10) as client:
        for bad, field, rule in (
            ({k: v for k, v in campaign_form(new).items() if k != "title"}, "title", "missing"),
            (campaign_form(new, id="no spaces"), "id", "string_pattern_mismatch"),
            (campaign_form(new, positions=[]), "positions", "too_short"),
            (
                campaign_form(new, positions=[{"id": "p", "title": "t", "headcount": 0}]),
                "positions.0.headcount",
                "greater_than_equal",
            ),
            (campaign_form(new, ends_on="2026-07-01"), "ends_on", "campaign_dates_in_order"),
            (
                campaign_form(new, closes_at=(now - timedelta(hours=2)).isoformat()),
                "closes_at",
                "application_window_in_order",
            ),
            (
                campaign_form(
                    new,
                    opens_at=(now - timedelta(days=3)).isoformat(),
                    closes_at=(now - timedelta(days=1)).isoformat(),
                ),
                "closes_at",
                "application_window_already_over",
            ),
            (
                campaign_form(
                    new,
                    positions=[
                        {"id": "p", "title": "t", "headcount": 1},
                        {"id": "p", "title": "u", "headcount": 1},
                    ],
                ),
                "positions",
                "position_ids_unique",
            ),
            ({**campaign_form(new), "unexpected": 1}, "unexpected", "extra_forbidden"),
        ):
            response = await client.post(f"{root}/campaigns", json=bad, headers=OFFICER)
            assert response.status_code == 422, (field, response.text)
            assert {"field": field, "rule": rule} in [
                {"field": e["field"], "rule": e["rule"]} for e in response.json()["errors"]
            ], response.text
        assert (await client.get(f"{root}/campaigns/{new}", headers=OFFICER)).status_code == 404
        too_many = await client.get(f"{root}/campaigns?limit=201", headers=OFFICER)
        assert too_many.status_code == 422
        page = await client.get(f"{root}/campaigns?limit=1&offset=0", headers=OFFICER)
        assert page.status_code == 200 and page.json()["limit"] == 1
        missing = await client.post(
            f"{root}/applications",
            json=application_form(f"nowhere-{new}", None),
            headers=bearer("cs-9", "student", "cs"),
        )
        assert missing.status_code == 404


async def test_the_same_campaign_opened_twice_at_once_is_opened_once(
    services: dict[str, str],
) -> None:
    """Neither request sees the other's campaign: the primary key refuses the second."""
    base = f"{services['recruitment']}/api/recruitment/colleges/cs/campaigns"
    async with httpx.AsyncClient(timeout=20) as client:
        for _ in range(5):
            campaign_id = f"twice-{uuid4().hex[:8]}"
            answers = await asyncio.gather(
                *(
                    client.post(base, json=campaign_form(campaign_id), headers=OFFICER)
                    for _ in range(2)
                )
            )
            assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
            refused = next(a for a in answers if a.status_code == 409)
            assert refused.json()["errors"][0]["rule"] == "campaign_id_taken"
            assert refused.json()["errors"][0]["field"] == "id"
