"""Upload sizes on the running service with its real settings (upload_max_bytes 10 MiB,
the kernel's max_body_bytes raised to 10 MiB + 64 KiB for the multipart envelope):
a ~3 MiB DOCX (text and an embedded photo) and a ~3 MiB PDF (pages of text and a photo)
are taken (201) and kept byte for byte; a file just over 10 MiB whose request still fits
the body limit gets the route's 413 naming `file` (`file_too_large`); an 11 MiB file
makes the request itself too large, so the kernel answers 413 before any route reads it,
naming `file` all the same (the service declares its upload route's field), and a text
version's JSON body over that limit names `text` (`report_too_long`). Nothing refused is
kept."""

from __future__ import annotations

import io
import random
from uuid import uuid4

import httpx
import pytest
from docx import Document
from docx.shared import Cm
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from services.evaluation.settings import EvaluationSettings
from tests.e2e.evaluation.college import COLLEGE
from tests.e2e.evaluation.reports_support import (
    CJK_FONT,
    DOCX,
    PDF,
    evaluation_base,
    new_season_name,
    put_season,
    require_individual,
    unique_text,
)
from tests.support.auth import bearer

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024
UPLOAD_MAX_BYTES = EvaluationSettings.model_fields["upload_max_bytes"].default
MAX_BODY_BYTES = EvaluationSettings.model_fields["max_body_bytes"].default


def photo(side: int, seed: int) -> Image.Image:
    """A photo-like image that does not compress: noise (side x side RGB pixels)."""
    return Image.frombytes("RGB", (side, side), random.Random(seed).randbytes(side * side * 3))


def png_of(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def big_docx(text: str, seed: int) -> bytes:
    """A real DOCX: a heading, paragraphs of text and one embedded ~3 MiB photo."""
    document = Document()
    document.add_heading("社会实践报告（附现场照片）", level=1)
    lines = text.splitlines()
    for line in lines[: len(lines) // 2]:
        document.add_paragraph(line)
    document.add_picture(io.BytesIO(png_of(photo(1000, seed))), width=Cm(15))
    for line in lines[len(lines) // 2 :]:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def big_pdf(text: str, seed: int, pages: int = 12) -> bytes:
    """A real PDF: `pages` pages of Chinese text (a text layer), the first with a photo."""
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    _, height = A4
    lines = text.splitlines()
    per_page = max(1, len(lines) // pages)
    for n in range(pages):
        y = height - 60
        if n == 0:
            page.drawImage(ImageReader(photo(1000, seed)), 50, height - 460, 380, 380)
            y = height - 490
        page.setFont(CJK_FONT, 12)
        for line in lines[n * per_page : (n + 1) * per_page]:
            if y < 60:
                break
            page.drawString(50, y, line)
            y -= 18
        page.showPage()
    page.save()
    return buffer.getvalue()


async def test_a_3_mib_docx_and_pdf_are_taken_and_oversized_files_get_413(
    services: dict[str, str],
) -> None:
    assert (UPLOAD_MAX_BYTES, MAX_BODY_BYTES) == (10 * MIB, 10 * MIB + 64 * 1024)
    base = evaluation_base(services)
    seed = uuid4().int % 10_000
    docx = big_docx(unique_text(1500), seed)
    pdf = big_pdf(unique_text(1500), seed + 1)
    assert 2.8 * MIB < len(docx) < 4 * MIB and 2.8 * MIB < len(pdf) < 4 * MIB
    async with httpx.AsyncClient(timeout=120) as client:
        season = new_season_name()
        await put_season(client, base, season)
        student = f"s-{uuid4().hex[:8]}"
        report_id = (await require_individual(client, base, season, student))["report_id"]
        me = bearer(student, "student", COLLEGE)
        url = f"{base}/reports/{report_id}/versions"

        for version, (name, data, kind) in enumerate(
            (("调研报告.docx", docx, DOCX), ("调研报告.pdf", pdf, PDF)), start=1
        ):
            taken = await client.post(
                f"{url}/upload", files={"file": (name, data, kind)}, headers=me
            )
            assert taken.status_code == 201, taken.text
            assert taken.json()["version"] == version
            assert taken.json()["characters"] > 1000  # the text was read, not just the photo
            kept = await client.get(f"{url}/{version}/file", headers=me)
            assert kept.status_code == 200 and kept.content == data

        # Over upload_max_bytes, but the request still fits max_body_bytes: the route's 413.
        just_over = docx + random.Random(seed).randbytes(UPLOAD_MAX_BYTES + 1024 - len(docx))
        route = await client.post(
            f"{url}/upload", files={"file": ("大报告.docx", just_over, DOCX)}, headers=me
        )
        assert route.status_code == 413, route.text
        [error] = route.json()["errors"]
        assert (error["field"], error["rule"]) == ("file", "file_too_large")

        # 11 MiB: the request body is over max_body_bytes, refused by the kernel before the
        # route runs, with the same answer.
        eleven = docx + random.Random(seed).randbytes(11 * MIB - len(docx))
        kernel = await client.post(
            f"{url}/upload", files={"file": ("超大报告.docx", eleven, DOCX)}, headers=me
        )
        assert kernel.status_code == 413, kernel.text
        assert kernel.json()["errors"] == route.json()["errors"]
        assert kernel.json()["detail"] == f"files are limited to {UPLOAD_MAX_BYTES} bytes"

        # A text version whose JSON body is over max_body_bytes names the text.
        huge = "调研" * (MAX_BODY_BYTES // 6 + 1024)  # 3 bytes a character in UTF-8
        text = await client.post(url, json={"text": huge}, headers=me)
        assert text.status_code == 413, text.text
        [error] = text.json()["errors"]
        assert (error["field"], error["rule"]) == ("text", "report_too_long")

        versions = await client.get(url, headers=me)
        assert [v["version"] for v in versions.json()["items"]] == [1, 2]
