"""Reading uploaded reports: real PDFs (reportlab, Chinese in STSong-Light) and DOCX
files (python-docx, paragraphs and tables), and every way a file is refused — always a
RuleBroken naming `file`, never anything else."""

from __future__ import annotations

import hashlib
import re

import pytest

from services.evaluation.service.documents import Limits, read_submission, text_submission
from shared.rules import RuleBroken
from tests.e2e.evaluation.reports_support import (
    DOCX,
    PDF,
    broken_docx,
    docx_of,
    encrypted_pdf,
    pdf_of,
    png_bytes,
    report_text,
    scanned_pdf,
    truncated,
)

pytestmark = pytest.mark.unit

LIMITS = Limits(max_bytes=2_000_000, max_characters=2_000, pdf_min_text_characters=50)


def _squeezed(text: str) -> str:
    return re.sub(r"\s", "", text)


def test_a_chinese_pdf_gives_its_text_and_the_files_hash() -> None:
    text = report_text(0, 1500)
    data = pdf_of(text)
    read = read_submission(data, filename="暑期实践报告.pdf", content_type=PDF, limits=LIMITS)
    assert read.source == "pdf"
    assert _squeezed(read.body) == _squeezed(text)
    assert read.sha256 == hashlib.sha256(data).hexdigest()
    assert (read.file, read.content_type, read.filename) == (data, PDF, "暑期实践报告.pdf")


def test_a_docx_gives_its_paragraphs_and_tables_in_order() -> None:
    paragraphs = report_text(200, 600).splitlines()
    data = docx_of(
        paragraphs, table=[["日期", "地点", "活动"], ["7月12日", "湘西", "家访留守儿童"]]
    )
    read = read_submission(data, filename="report.docx", content_type=DOCX, limits=LIMITS)
    assert read.source == "docx"
    assert paragraphs[0] in read.body and paragraphs[-1] in read.body
    assert read.body.index(paragraphs[-1]) < read.body.index("家访留守儿童")
    assert "湘西" in read.body and read.body.count("日期") == 1


def test_a_file_name_keeps_no_control_characters() -> None:
    read = read_submission(
        docx_of(["正文"]), filename="报告\x00\n名.docx", content_type=DOCX, limits=LIMITS
    )
    assert read.filename == "报告 名.docx"


def test_an_unnamed_octet_stream_is_judged_by_its_bytes() -> None:
    read = read_submission(
        pdf_of(report_text()), filename="", content_type="application/octet-stream", limits=LIMITS
    )
    assert read.source == "pdf"


@pytest.mark.parametrize(
    ("name", "data", "filename", "content_type", "rule"),
    [
        ("encrypted", lambda: encrypted_pdf(report_text()), "a.pdf", PDF, "pdf_encrypted"),
        ("scanned", scanned_pdf, "scan.pdf", PDF, "pdf_no_text"),
        ("truncated pdf", lambda: truncated(pdf_of(report_text())), "a.pdf", PDF, "file_corrupt"),
        (
            "pdf header, garbage",
            lambda: b"%PDF-1.7\n" + b"\x13" * 500,
            "a.pdf",
            PDF,
            "file_corrupt",
        ),
        ("broken docx", broken_docx, "a.docx", DOCX, "file_corrupt"),
        (
            "truncated docx",
            lambda: truncated(docx_of(["你好"] * 50)),
            "a.docx",
            DOCX,
            "file_corrupt",
        ),
        ("png", png_bytes, "photo.png", "image/png", "file_type_unsupported"),
        ("png renamed", png_bytes, "report.pdf", PDF, "file_type_unsupported"),
        (
            "old .doc",
            lambda: b"\xd0\xcf\x11\xe0" + b"\x00" * 600,
            "r.doc",
            "application/msword",
            "file_type_unsupported",
        ),
        ("pdf named docx", lambda: pdf_of(report_text()), "r.docx", DOCX, "file_type_mismatch"),
        ("docx typed pdf", lambda: docx_of(["正文"]), "r.docx", PDF, "file_type_mismatch"),
        ("empty", lambda: b"", "r.pdf", PDF, "file_empty"),
        ("empty docx", lambda: docx_of([" "], heading=False), "r.docx", DOCX, "report_empty"),
        ("too large", lambda: b"%PDF-" + b"0" * 2_000_000, "big.pdf", PDF, "file_too_large"),
        ("too long", lambda: pdf_of(report_text(0, 2_500)), "long.pdf", PDF, "report_too_long"),
    ],
)
def test_unreadable_files_are_refused_naming_the_file(
    name: str, data: object, filename: str, content_type: str, rule: str | None
) -> None:
    made = data()  # type: ignore[operator]
    with pytest.raises(RuleBroken) as refused:
        read_submission(made, filename=filename, content_type=content_type, limits=LIMITS)
    assert refused.value.field == "file"
    assert refused.value.invalid
    if rule is not None:
        assert refused.value.rule == rule, name


def test_a_text_submission_is_hashed_as_kept() -> None:
    kept = text_submission("第一段\r\n第二段\x00")
    assert kept.body == "第一段\n第二段"
    assert kept.sha256 == hashlib.sha256("第一段\n第二段".encode()).hexdigest()
    assert kept.file is None
