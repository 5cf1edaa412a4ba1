"""A small, realistic zh-CN demo for two colleges, loaded through the public APIs only.

Nothing here writes to a database directly: if the demo loads, the APIs, the
outbox, Kafka and the consumers all worked. Loading twice is safe: a campaign
already open or an application already made is answered 409 and counted as present.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from shared.config import LOCAL_JWT_SECRET
from shared.web.auth import issue_local_token
from tools.demo.evaluation import seed_evaluation
from tools.demo.notifications import seed_notifications
from tools.demo.recruitment.beneficiaries import seed_beneficiaries
from tools.demo.recruitment.campaigns import CAMPAIGN_DETAILS, first_position, seed_campaigns
from tools.demo.recruitment.corps import seed_corps
from tools.demo.recruitment.intake import seed_intake
from tools.demo.recruitment.pairing import seed_pairing
from tools.demo.recruitment.selection import seed_selection
from tools.demo.recruitment.teams import seed_teams
from tools.demo.scheduling.activities import seed_activities
from tools.demo.scheduling.desk import seed_desk
from tools.demo.scheduling.meetings import seed_meetings
from tools.demo.scheduling.members import seed_members
from tools.demo.scheduling.rota import seed_rota
from tools.demo.scheduling.timetable import seed_timetable

COLLEGES = {"cs": "计算机学院", "fl": "外国语学院"}

# Campaigns from the seed documents: the summer "一帮一" teaching programme,
# the early-May blood drive, late-May community service. Officers open them first.
CAMPAIGNS = {campaign_id: d["title"] for campaign_id, d in CAMPAIGN_DETAILS.items()}


@dataclass(frozen=True)
class DemoApplicant:
    user_id: str
    name: str
    college: str
    campaign_id: str
    motivation: str
    skills: tuple[str, ...]


APPLICANTS = (
    DemoApplicant(
        "cs-2024001",
        "李明",
        "cs",
        "2026-summer-yibangyi",
        "想去留守儿童所在的学校支教，负责英语和数字谜题课。",
        ("english", "math"),
    ),
    DemoApplicant(
        "cs-2024002",
        "王芳",
        "cs",
        "2026-summer-yibangyi",
        "擅长讲故事和组织游戏，希望担任故事会和游戏课的老师。",
        ("storytelling", "games"),
    ),
    DemoApplicant(
        "cs-2024003",
        "张伟",
        "cs",
        "2026-may-blood-drive",
        "去年参加过献血宣传，愿意负责现场引导。",
        ("publicity",),
    ),
    DemoApplicant(
        "fl-2024101",
        "陈静",
        "fl",
        "2026-summer-yibangyi",
        "外国语学院英语专业，想给三到五年级的孩子上英语课。",
        ("english",),
    ),
    DemoApplicant(
        "fl-2024102",
        "刘洋",
        "fl",
        "2026-may-community",
        "希望参加社区服务，协助老人使用智能手机。",
        ("communication",),
    ),
    DemoApplicant(
        "fl-2024103",
        "赵磊",
        "fl",
        "2026-summer-yibangyi",
        "体育特长生，可以带孩子们晨跑和上体育课。",
        ("sports",),
    ),
)


@dataclass
class SeedReport:
    created: int = 0
    already_there: int = 0
    notices_seen: int = 0
    campaigns: str = ""
    parts: list[str] = field(default_factory=list)


def demo_token(user: str, role: str, college: str | None) -> dict[str, str]:
    """Bearer headers of a person of the local stack (signed with the local secret)."""
    token = issue_local_token(
        user=user, roles=[role], college=college, secret=LOCAL_JWT_SECRET, now=datetime.now(UTC)
    )
    return {"Authorization": f"Bearer {token}"}


def _questions(campaign_id: str) -> list[str]:
    questions: list[str] = CAMPAIGN_DETAILS[campaign_id]["screening"].get("questions", [])
    return questions


def _headers(applicant: DemoApplicant) -> dict[str, str]:
    return demo_token(applicant.user_id, "student", applicant.college)


async def seed_demo(urls: dict[str, str], *, wait_s: float = 30.0) -> SeedReport:
    """Open the campaigns, submit the demo applications, wait until every applicant has a notice."""
    report = SeedReport()
    async with httpx.AsyncClient(timeout=10) as client:
        report.campaigns = await seed_campaigns(client, urls, demo_token)
        for applicant in APPLICANTS:
            response = await client.post(
                f"{urls['recruitment']}/api/recruitment/colleges/{applicant.college}/applications",
                json={
                    "campaign_id": applicant.campaign_id,
                    "position_id": first_position(applicant.campaign_id),
                    "applicant_name": applicant.name,
                    "motivation": applicant.motivation,
                    "skills": list(applicant.skills),
                    "grade_year": 2,
                    "answers": [applicant.motivation] * len(_questions(applicant.campaign_id)),
                },
                headers=_headers(applicant),
            )
            if response.status_code == 201:
                report.created += 1
            elif response.status_code == 409:
                report.already_there += 1
            else:
                raise RuntimeError(
                    f"recruitment refused {applicant.name}'s application: "
                    f"{response.status_code} {response.text}"
                )
        deadline = time.monotonic() + wait_s
        waiting = list(APPLICANTS)
        while waiting and time.monotonic() < deadline:
            still = []
            for applicant in waiting:
                notices = await client.get(
                    f"{urls['notifications']}/api/notifications/me", headers=_headers(applicant)
                )
                notices.raise_for_status()
                if not notices.json()["items"]:
                    still.append(applicant)
            waiting = still
            if waiting:
                await asyncio.sleep(0.3)
        if waiting:
            names = ", ".join(a.name for a in waiting)
            raise RuntimeError(f"no notification reached {names} within {wait_s:.0f}s")
        report.notices_seen = len(APPLICANTS)
        # Each capability's demo, in the order the work happens: the summer teachers are
        # chosen, departments admit their intake, the corps is formed, project teams
        # apply, children are registered, then paired with the placed volunteers. Then
        # scheduling: the office members' timetables, the published office rota, sign-ins
        # with a handover and a no-show, the summer timetable of the demo's schools, a
        # month of meetings (one sanction ends a membership in recruitment), the activity
        # calendar. Then evaluation: the report season of the approved teams and individual
        # requirements, one flagged copy decided as misconduct, reviews, grades, prizes, a
        # defense, credits and a staff assessment from the duty records.
        for seed_part in (
            seed_selection,
            seed_intake,
            seed_corps,
            seed_teams,
            seed_beneficiaries,
            seed_pairing,
            seed_members,
            seed_rota,
            seed_desk,
            seed_timetable,
            seed_meetings,
            seed_activities,
            seed_evaluation,
            seed_notifications,
        ):
            report.parts.append(await seed_part(client, urls, demo_token))
    return report
