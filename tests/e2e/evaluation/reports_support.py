"""Real report files the report tests generate (PDF with reportlab's CID font
STSong-Light, so the text is Chinese; DOCX with python-docx), damaged ones, and the
seed texts (/work/shared/seeds) they are written from."""

from __future__ import annotations

import io
import random
import zipfile
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal
from uuid import UUID, uuid4

import httpx
from docx import Document
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from shared.events.base import DomainEvent
from shared.events.evaluation import ReportExpected, ReportSubmitted
from shared.events.recruitment import (
    ProjectTeamApproved,
    ProjectTeamRegistered,
    ProjectTeamRejected,
)
from tests.e2e.evaluation.college import COLLEGE
from tests.support.auth import bearer
from tests.support.kafka import group_caught_up, publish, wait_until

SEEDS = Path("/work/shared/seeds")
CJK_FONT = "STSong-Light"
LINE_CHARACTERS = 36


@cache
def seed_text(name_prefix: str = "002") -> str:
    """One seed text (002: 一对一帮扶工作总结, Simplified Chinese)."""
    path = next(p for p in sorted(SEEDS.glob("*.txt")) if p.name.startswith(name_prefix))
    return path.read_text(encoding="utf-8")


def report_text(start: int = 0, characters: int = 1200, name_prefix: str = "002") -> str:
    """A realistic report body: a run of a seed's paragraphs, no blank lines."""
    lines = [line.strip() for line in seed_text(name_prefix).splitlines() if line.strip()]
    text = "\n".join(lines)
    return text[start : start + characters]


def unique_text(characters: int = 1500, seed: int | None = None) -> str:
    """Text no earlier run has written: the seed's own characters in a fresh random order
    (no 13-character run in common with any other report), in lines of 30."""
    alphabet = sorted({c for c in seed_text("002") if "\u4e00" <= c <= "\u9fff"})
    pick = random.Random(seed if seed is not None else uuid4().int)
    chosen = "".join(pick.choice(alphabet) for _ in range(characters))
    return "\n".join(chosen[i : i + 30] for i in range(0, characters, 30))


def pdf_of(text: str) -> bytes:
    """A real PDF with a text layer, Chinese set in STSong-Light, wrapped and paginated."""
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    _, height = A4
    y = height - 60
    for paragraph in text.splitlines():
        for start in range(0, max(len(paragraph), 1), LINE_CHARACTERS):
            if y < 60:
                page.showPage()
                y = height - 60
            page.setFont(CJK_FONT, 12)
            page.drawString(50, y, paragraph[start : start + LINE_CHARACTERS])
            y -= 18
    page.showPage()
    page.save()
    return buffer.getvalue()


def scanned_pdf() -> bytes:
    """What a scanner gives: pages of drawing (an image would do the same), no text layer."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    for _ in range(2):
        for row in range(40):
            page.rect(50, 60 + row * 18, 400 - (row % 7) * 30, 10, fill=1)
        page.showPage()
    page.save()
    return buffer.getvalue()


def encrypted_pdf(text: str, password: str = "mima-2026") -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_of(text))))
    writer.encrypt(user_password=password, owner_password=password + "-owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def docx_of(
    paragraphs: list[str], table: list[list[str]] | None = None, *, heading: bool = True
) -> bytes:
    """A real DOCX: a heading, the paragraphs, and a table (e.g. the schedule of the trip)."""
    document = Document()
    if heading:
        document.add_heading("社会实践报告", level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def truncated(data: bytes) -> bytes:
    """A file cut off in transfer: its first half."""
    return data[: len(data) // 2]


def broken_docx() -> bytes:
    """A zip that says it is a Word document, whose document.xml is not XML."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "这不是XML <w:body")
    return buffer.getvalue()


def png_bytes() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --- the running service: seasons, requirements, recruitment's team events ----------------

CHAIR = bearer("cs-chair", "college_admin", COLLEGE)
TEACHER = bearer("cs-teacher", "teacher", COLLEGE)
TEAM_CONSUMER_GROUP = "campusflow.evaluation.team-reports"
TEAM_TOPIC = "campusflow.recruitment.project-teams"
EXPECTED = ReportExpected.event_type
SUBMITTED = ReportSubmitted.event_type


def evaluation_base(services: dict[str, str], college: str = COLLEGE) -> str:
    return f"{services['evaluation']}/api/evaluation/colleges/{college}"


def new_season_name() -> str:
    return f"2026-t{uuid4().hex[:8]}"


async def put_season(
    client: httpx.AsyncClient,
    base: str,
    season: str,
    *,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    term_starts_on: date = date(2026, 9, 7),
) -> dict[str, Any]:
    """A season whose window is open now unless told otherwise."""
    now = datetime.now(UTC)
    body = {
        "title": "2026年暑期社会实践报告",
        "term_starts_on": term_starts_on.isoformat(),
        "opens_at": (opens_at or now - timedelta(days=1)).isoformat(),
        "closes_at": (closes_at or now + timedelta(days=13)).isoformat(),
    }
    response = await client.put(f"{base}/seasons/{season}", json=body, headers=CHAIR)
    assert response.status_code in (200, 201), response.text
    created: dict[str, Any] = response.json()
    return created


async def require_individual(
    client: httpx.AsyncClient, base: str, season: str, student: str
) -> dict[str, Any]:
    response = await client.post(
        f"{base}/seasons/{season}/individual-requirements",
        json={"student_id": student, "title": "个人社会实践报告"},
        headers=CHAIR,
    )
    assert response.status_code == 201, response.text
    report: dict[str, Any] = response.json()
    return report


async def produce(bootstrap: str, *events: tuple[DomainEvent, UUID]) -> None:
    """Recruitment's events onto Kafka exactly as its outbox relay sends them."""
    await publish(bootstrap, events, source="/campusflow/recruitment")


async def consumed(bootstrap: str) -> None:
    """Until evaluation's team consumer has committed everything on recruitment's topic."""
    await wait_until(
        lambda: group_caught_up(bootstrap, TEAM_CONSUMER_GROUP, TEAM_TOPIC),
        timeout_s=60,
        what="evaluation's team consumer to catch up",
        every_s=0.5,
    )


def registered(
    team_id: UUID, season: str, leader: str, members: list[str], college: str = COLLEGE
) -> ProjectTeamRegistered:
    return ProjectTeamRegistered(
        college=college,
        team_id=team_id,
        season=season,
        title="“童心同行”乡村留守儿童关爱实践队",
        leader_id=leader,
        member_ids=members,
        advisor_id="t-advisor",
        registered_at=datetime(2026, 5, 10, 9, 0, tzinfo=UTC),
    )


def approved(
    team_id: UUID, season: str, project_class: Literal["I", "II"] = "I"
) -> ProjectTeamApproved:
    return ProjectTeamApproved(
        college=COLLEGE,
        team_id=team_id,
        season=season,
        project_class=project_class,
        budget_yuan=3000 if project_class == "I" else None,
        approved_at=datetime(2026, 5, 20, 9, 0, tzinfo=UTC),
    )


def rejected(team_id: UUID, season: str) -> ProjectTeamRejected:
    return ProjectTeamRejected(
        college=COLLEGE,
        team_id=team_id,
        season=season,
        reason="实践方案安全预案不完整",
        rejected_at=datetime(2026, 5, 20, 9, 0, tzinfo=UTC),
    )


async def season_reports(
    client: httpx.AsyncClient, base: str, season: str, headers: dict[str, str] = CHAIR
) -> list[dict[str, Any]]:
    response = await client.get(
        f"{base}/seasons/{season}/reports", params={"limit": 200}, headers=headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
