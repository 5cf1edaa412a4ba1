"""Uploaded files kept in a directory (`EVALUATION_FILES_DIR`) instead of PostgreSQL, on a
second evaluation replica of the session's schema started with the setting: the upload
is kept under its SHA-256 in the directory and not in the version's row, served back byte
for byte; the same bytes uploaded again are kept once; a file changed or removed on disk
is never served (500, its cause in the replica's log), and a replica without the setting
cannot serve it either; text versions and the version's text are unaffected."""

from __future__ import annotations

import hashlib
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from tests.e2e.evaluation.college import COLLEGE
from tests.e2e.evaluation.reports_support import (
    DOCX,
    PDF,
    docx_of,
    evaluation_base,
    new_season_name,
    pdf_of,
    put_season,
    require_individual,
    unique_text,
)
from tests.support.auth import bearer
from tests.support.replica import replica
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


async def _row_file(dsn: str, report_id: str, version: int) -> tuple[bytes | None, str]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT file, sha256 FROM report_versions WHERE report_id = $1 AND version = $2",
            UUID(report_id),
            version,
        )
    finally:
        await conn.close()
    assert row is not None
    return row["file"], row["sha256"]


async def _refused(url: str, headers: dict[str, str]) -> httpx.Response:
    """A request the service fails (500): on a client of its own, since the server closes
    the connection after an unhandled error."""
    async with httpx.AsyncClient(timeout=60) as own:
        return await own.get(url, headers=headers)


async def test_files_kept_in_a_directory_are_served_checked_and_never_changed(
    services: dict[str, str],
    service_dsns: dict[str, str],
    stack: StackEndpoints,
    tmp_path: Path,
) -> None:
    files_dir = tmp_path / "report-files"
    dsn = service_dsns["evaluation"]
    docx, pdf = docx_of([unique_text(1200)]), pdf_of(unique_text(1200))
    with replica(
        "evaluation",
        stack,
        dsn,
        name="files-dir",
        settings={"EVALUATION_FILES_DIR": str(files_dir)},
    ) as (url, _kill):
        base = f"{url}/api/evaluation/colleges/{COLLEGE}"
        async with httpx.AsyncClient(timeout=60) as client:
            season = new_season_name()
            await put_season(client, base, season)
            student = f"s-{uuid4().hex[:8]}"
            report_id = (await require_individual(client, base, season, student))["report_id"]
            me = bearer(student, "student", COLLEGE)
            versions = f"{base}/reports/{report_id}/versions"

            uploads = [("调研报告.docx", docx, DOCX), ("调研报告.pdf", pdf, PDF)]
            uploads.append(uploads[0])  # the same bytes again: version 3, kept once
            for name, data, kind in uploads:
                taken = await client.post(
                    f"{versions}/upload", files={"file": (name, data, kind)}, headers=me
                )
                assert taken.status_code == 201, taken.text
            text = await client.post(versions, json={"text": unique_text(900)}, headers=me)
            assert text.status_code == 201, text.text

            for version, data in ((1, docx), (2, pdf), (3, docx)):
                digest = hashlib.sha256(data).hexdigest()
                in_row, sha = await _row_file(dsn, report_id, version)
                assert in_row is None and sha == digest  # the row keeps the hash, not the bytes
                assert (files_dir / digest[:2] / digest).read_bytes() == data
                served = await client.get(f"{versions}/{version}/file", headers=me)
                assert served.status_code == 200, served.text
                assert served.content == data
                assert served.headers["x-content-sha256"] == digest
                detail = await client.get(f"{versions}/{version}", headers=me)
                assert detail.status_code == 200 and len(detail.json()["body"]) > 500
            kept = sorted(p.name for p in files_dir.rglob("*") if p.is_file())
            assert kept == sorted({hashlib.sha256(d).hexdigest() for d in (docx, pdf)})
            assert (await client.get(f"{versions}/4/file", headers=me)).status_code == 200

            # The session's replica has no files directory: it cannot serve the file, says
            # so (500, logged), and still serves the version's text.
            main = f"{evaluation_base(services)}/reports/{report_id}/versions"
            assert (await _refused(f"{main}/1/file", me)).status_code == 500
            assert (await client.get(f"{main}/1", headers=me)).status_code == 200

            # A file changed on disk is never served; nor one removed.
            docx_path = files_dir / hashlib.sha256(docx).hexdigest()[:2]
            docx_path = docx_path / hashlib.sha256(docx).hexdigest()
            docx_path.write_bytes(docx[:-10] + b"tampered!!")
            changed = await _refused(f"{versions}/1/file", me)
            assert changed.status_code == 500 and b"tampered" not in changed.content
            pdf_digest = hashlib.sha256(pdf).hexdigest()
            (files_dir / pdf_digest[:2] / pdf_digest).unlink()
            assert (await _refused(f"{versions}/2/file", me)).status_code == 500

            # Uploading the same bytes again mends the changed file.
            again = await client.post(
                f"{versions}/upload", files={"file": ("再交.docx", docx, DOCX)}, headers=me
            )
            assert again.status_code == 201, again.text
            served = await client.get(f"{versions}/1/file", headers=me)
            assert served.status_code == 200 and served.content == docx
