"""Real report files the report tests generate (PDF with reportlab's CID font
STSong-Light, so the text is Chinese; DOCX with python-docx), damaged ones, and the
seed texts (/work/shared/seeds) they are written from."""

from __future__ import annotations

import io
import zipfile
from functools import cache
from pathlib import Path

from docx import Document
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

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
