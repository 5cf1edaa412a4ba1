"""Demo: the three volunteer campaigns of the seed documents, opened by each college's officer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

COLLEGES = ("cs", "fl")

# id -> (title, place, dates, positions); the first position is where the demo applies.
CAMPAIGN_DETAILS: dict[str, dict[str, Any]] = {
    "2026-summer-yibangyi": {
        "title": "“一帮一”暑期知识拓展班志愿者招募（7月8日—8月11日）",
        "place": "岳西县村小（每周轮换一所学校）",
        "starts_on": "2026-07-08",
        "ends_on": "2026-08-11",
        "positions": [
            {"id": "teachers", "title": "支教老师", "headcount": 30},
            {"id": "squad", "title": "特招服务小队", "headcount": 5, "interview_required": True},
        ],
        "screening": {"min_grade_year": 1, "questions": ["为什么想参加一帮一？"]},
    },
    "2026-may-blood-drive": {
        "title": "五月无偿献血志愿服务",
        "place": "校医院门前广场",
        "starts_on": "2026-05-06",
        "ends_on": "2026-05-08",
        "positions": [{"id": "guides", "title": "现场引导", "headcount": 12}],
        "screening": {},
    },
    "2026-may-community": {
        "title": "五月下旬社区服务活动",
        "place": "学府路社区",
        "starts_on": "2026-05-23",
        "ends_on": "2026-05-31",
        "positions": [{"id": "helpers", "title": "社区服务志愿者", "headcount": 20}],
        "screening": {},
    },
}


def first_position(campaign_id: str) -> str:
    position: str = CAMPAIGN_DETAILS[campaign_id]["positions"][0]["id"]
    return position


async def seed_campaigns(
    client: httpx.AsyncClient,
    urls: dict[str, str],
    token: Callable[[str, str, str], dict[str, str]],
) -> str:
    """Open every demo campaign in every demo college; one already open counts as present."""
    now = datetime.now(UTC)
    opened = present = 0
    for college in COLLEGES:
        for campaign_id, details in CAMPAIGN_DETAILS.items():
            response = await client.post(
                f"{urls['recruitment']}/api/recruitment/colleges/{college}/campaigns",
                json={
                    "id": campaign_id,
                    **details,
                    "opens_at": (now - timedelta(hours=1)).isoformat(),
                    "closes_at": (now + timedelta(days=60)).isoformat(),
                },
                headers=token(f"{college}-officer", "officer", college),
            )
            if response.status_code == 201:
                opened += 1
            elif response.status_code == 409:
                present += 1
            else:
                raise RuntimeError(
                    f"recruitment refused campaign {campaign_id} of {college}: "
                    f"{response.status_code} {response.text}"
                )
    return f"campaigns: {opened} opened, {present} already open"
