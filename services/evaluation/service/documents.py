"""Reading a submitted file: which kind it is (by its bytes, its name and its declared
type, which must agree), and its text — PDF through pypdf, DOCX through python-docx
(paragraphs and tables, in document order).

Every way a file can be unreadable is a clear refusal naming `file` (422, or 413 for
size at the HTTP edge), never a 500: anything the parsers raise on a damaged file is
`file_corrupt`; a password-protected PDF is `pdf_encrypted`; a PDF whose pages carry
(almost) no text is a scan without a text layer, `pdf_no_text`.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import structlog
from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf import PasswordType, PdfReader

from services.evaluation.domain.reports import Submission
from shared.rules import RuleBroken

log = structlog.get_logger(__name__)

FileKind = Literal["pdf", "docx"]
PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTENT_TYPES: dict[FileKind, str] = {"pdf": PDF_TYPE, "docx": DOCX_TYPE}
_DECLARED: dict[str, FileKind | None] = {
    PDF_TYPE: "pdf",
    "application/x-pdf": "pdf",
    DOCX_TYPE: "docx",
    # What browsers and curl send when they do not know: the bytes decide.
    "application/octet-stream": None,
    "": None,
}
_EXTENSIONS: dict[str, FileKind] = {".pdf": "pdf", ".docx": "docx"}
# Control characters PostgreSQL text cannot hold or a reader should never see; lone
# surrogates a broken PDF font map can produce.
_UNWANTED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LINES = re.compile(r"\r\n?")


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_characters: int
    pdf_min_text_characters: int


def _refuse(rule: str, message: str) -> RuleBroken:
    return RuleBroken(rule, field="file", message=message, invalid=True)


def kind_of(data: bytes, *, filename: str, content_type: str) -> FileKind:
    """The file's kind from its bytes; its name and declared type must not say otherwise."""
    if data[:5] == b"%PDF-" or b"%PDF-" in data[:1024]:
        by_bytes: FileKind | None = "pdf"
    elif data[:4] == b"PK\x03\x04" and _is_docx_package(data):
        by_bytes = "docx"
    else:
        by_bytes = None
    declared_type = content_type.split(";")[0].strip().lower()
    if declared_type not in _DECLARED:
        raise _refuse(
            "file_type_unsupported",
            f"files of type {declared_type!r} are not accepted: send a PDF or a DOCX",
        )
    extension = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    if extension and extension not in _EXTENSIONS:
        raise _refuse(
            "file_type_unsupported",
            f"{extension} files are not accepted: send a PDF or a DOCX (.pdf, .docx)",
        )
    claims = {_DECLARED[declared_type], _EXTENSIONS.get(extension)} - {None}
    if by_bytes is None and data[:4] == b"PK\x03\x04" and claims == {"docx"}:
        raise _refuse("file_corrupt", "the DOCX is damaged and cannot be read")
    if by_bytes is None:
        raise _refuse(
            "file_type_unsupported",
            "the file is neither a PDF nor a DOCX (a .doc, image or text file is not accepted)",
        )
    if claims - {by_bytes}:
        raise _refuse(
            "file_type_mismatch",
            f"the file is a {by_bytes.upper()} but its name or type says otherwise",
        )
    return by_bytes


def _is_docx_package(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return "word/document.xml" in package.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return False


def read_submission(data: bytes, *, filename: str, content_type: str, limits: Limits) -> Submission:
    """The file's text and hash, or a refusal naming `file`. CPU-bound: run it off the loop."""
    if not data:
        raise _refuse("file_empty", "the file is empty")
    if len(data) > limits.max_bytes:
        raise _refuse("file_too_large", f"files are limited to {limits.max_bytes} bytes")
    kind = kind_of(data, filename=filename, content_type=content_type)
    text = _pdf_text(data, limits) if kind == "pdf" else _docx_text(data)
    body = _clean(text)
    if len(body) > limits.max_characters:
        raise _refuse(
            "report_too_long",
            f"the file's text has {len(body)} characters; at most {limits.max_characters}",
        )
    if kind == "docx" and not body:
        raise _refuse("report_empty", "the document has no text")
    return Submission(
        source=kind,
        body=body,
        sha256=hashlib.sha256(data).hexdigest(),
        filename=_clean(filename.replace("\n", " "))[:255] or None,
        file=data,
        content_type=CONTENT_TYPES[kind],
    )


def _pdf_text(data: bytes, limits: Limits) -> str:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise _refuse("pdf_encrypted", "the PDF is password-protected: upload it unprotected")
        pages = [page.extract_text() or "" for page in reader.pages]
    except RuleBroken:
        raise
    except Exception as error:  # any parser failure is the file's fault, never a 500
        if "decrypt" in str(error).lower() or "encrypt" in str(error).lower():
            raise _refuse(
                "pdf_encrypted", "the PDF is password-protected: upload it unprotected"
            ) from None
        log.info("unreadable pdf", error=repr(error)[:200])
        raise _refuse("file_corrupt", "the PDF is damaged and cannot be read") from None
    text = "\n".join(pages)
    if sum(1 for c in text if not c.isspace()) < limits.pdf_min_text_characters:
        raise _refuse(
            "pdf_no_text",
            "the PDF has no text layer (a scan?): upload the document it was printed from",
        )
    return text


def _docx_text(data: bytes) -> str:
    try:
        document = Document(io.BytesIO(data))
        return "\n".join(_blocks(document.iter_inner_content()))
    except Exception as error:  # any parser failure is the file's fault, never a 500
        log.info("unreadable docx", error=repr(error)[:200])
        raise _refuse("file_corrupt", "the DOCX is damaged and cannot be read") from None


def _blocks(items: Iterable[Paragraph | Table]) -> list[str]:
    """Paragraph texts and table cells, in document order (a merged cell once)."""
    lines: list[str] = []
    for item in items:
        if isinstance(item, Paragraph):
            lines.append(item.text)
        elif isinstance(item, Table):
            for row in item.rows:
                seen: set[int] = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    lines.extend(_blocks(cell.iter_inner_content()))
    return lines


def _clean(text: str) -> str:
    return _UNWANTED.sub("", _LINES.sub("\n", text)).strip()


def text_submission(text: str) -> Submission:
    body = _clean(text)
    return Submission(
        source="text", body=body, sha256=hashlib.sha256(body.encode("utf-8")).hexdigest()
    )
