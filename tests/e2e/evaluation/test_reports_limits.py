"""The service's own upload and text limits (EVALUATION_UPLOAD_MAX_BYTES,
EVALUATION_REPORT_MAX_CHARACTERS, EVALUATION_PDF_MIN_TEXT_CHARACTERS), on an evaluation
process started with small ones beside the session's: over them a submission gets a 4xx
naming `file` or `text`, and nothing is kept."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from shared.config import service_environment
from tests.e2e.evaluation.college import COLLEGE
from tests.e2e.evaluation.reports_support import (
    DOCX,
    PDF,
    docx_of,
    new_season_name,
    pdf_of,
    put_season,
    report_text,
    require_individual,
)
from tests.support.auth import bearer
from tools.stack import StackEndpoints, free_port, start_service_process, wait_http_ready
from tools.stack.processes import process_record, stop_record, tail

pytestmark = pytest.mark.e2e

UPLOAD_MAX_BYTES = 64 * 1024
REPORT_MAX_CHARACTERS = 1_000


@pytest.fixture(scope="module")
def strict_evaluation(stack: StackEndpoints, service_dsns: dict[str, str]) -> Iterator[str]:
    """An evaluation process with small limits (its own consumer groups: the inbox, keyed
    by consumer name, makes anything it consumes again a no-op)."""
    port = free_port()
    env = service_environment(
        "evaluation",
        database_url=service_dsns["evaluation"],
        kafka_bootstrap=stack.kafka_bootstrap,
        redis_url=stack.redis_url,
        http_port=port,
        environment="test",
    )
    env["EVALUATION_UPLOAD_MAX_BYTES"] = str(UPLOAD_MAX_BYTES)
    env["EVALUATION_REPORT_MAX_CHARACTERS"] = str(REPORT_MAX_CHARACTERS)
    env["EVALUATION_CONSUMER_GROUP_PREFIX"] = f"tests-limits-{uuid4().hex[:8]}"
    log = Path(tempfile.mkdtemp(prefix="campusflow-limits-")) / "evaluation.log"
    process = start_service_process("evaluation", env, log)
    try:
        try:
            wait_http_ready(f"http://127.0.0.1:{port}/readyz", 60)
        except Exception as error:
            raise RuntimeError(f"evaluation not ready: {error}\n{tail(log)}") from error
        yield f"http://127.0.0.1:{port}/api/evaluation/colleges/{COLLEGE}"
    finally:
        stop_record(process_record(process))


async def test_over_the_limits_nothing_is_kept(strict_evaluation: str) -> None:
    base = strict_evaluation
    async with httpx.AsyncClient(timeout=30) as client:
        season = new_season_name()
        await put_season(client, base, season)
        student = f"s-{uuid4().hex[:8]}"
        report_id = (await require_individual(client, base, season, student))["report_id"]
        me = bearer(student, "student", COLLEGE)
        url = f"{base}/reports/{report_id}/versions"

        big = docx_of(report_text(0, 900).splitlines()) + b"\x00" * UPLOAD_MAX_BYTES
        too_big = await client.post(
            f"{url}/upload", files={"file": ("big.docx", big, DOCX)}, headers=me
        )
        assert too_big.status_code == 413, too_big.text
        assert too_big.json()["errors"][0]["field"] == "file"
        assert too_big.json()["errors"][0]["rule"] == "file_too_large"

        long_pdf = pdf_of(report_text(0, REPORT_MAX_CHARACTERS + 300))
        assert len(long_pdf) < UPLOAD_MAX_BYTES
        too_long = await client.post(
            f"{url}/upload", files={"file": ("long.pdf", long_pdf, PDF)}, headers=me
        )
        assert too_long.status_code == 422, too_long.text
        assert too_long.json()["errors"][0]["field"] == "file"
        assert too_long.json()["errors"][0]["rule"] == "report_too_long"

        long_text = await client.post(
            url, json={"text": "调研" * REPORT_MAX_CHARACTERS}, headers=me
        )
        assert long_text.status_code == 422
        assert long_text.json()["errors"][0]["field"] == "text"
        assert long_text.json()["errors"][0]["rule"] == "report_too_long"

        versions = await client.get(url, headers=me)
        assert versions.json()["items"] == []

        within = await client.post(
            f"{url}/upload",
            files={"file": ("ok.pdf", pdf_of(report_text(0, 800)), PDF)},
            headers=me,
        )
        assert within.status_code == 201, within.text
        assert within.json()["version"] == 1
