"""A new version of a report whose grade is final is refused (409 `grade_final`, field
`report_id`), as text and as a file: the grade rests on the version the committee
reviewed. Nothing is kept; a report of the same season not yet graded still takes one."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.evaluation.grades_support import (
    api,
    fetch,
    graded_season,
    problem,
    reviewed_report,
    student,
)
from tests.e2e.evaluation.reports_support import DOCX, docx_of, pdf_of, unique_text
from tests.e2e.evaluation.reports_support import PDF as PDF_TYPE

pytestmark = pytest.mark.e2e


async def test_no_new_version_once_the_grade_is_final(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    base = api(services)
    async with httpx.AsyncClient(timeout=30) as client:
        season, [graded], [authors] = await graded_season(client, services, service_dsns, [82])
        me = student(authors[0])
        url = f"{base}/reports/{graded}/versions"

        as_text = await client.post(url, json={"text": unique_text(900)}, headers=me)
        assert problem(as_text) == (409, "report_id", "grade_final"), as_text.text
        as_pdf = await client.post(
            f"{url}/upload",
            files={"file": ("v2.pdf", pdf_of(unique_text(900)), PDF_TYPE)},
            headers=me,
        )
        assert problem(as_pdf) == (409, "report_id", "grade_final"), as_pdf.text
        as_docx = await client.post(
            f"{url}/upload",
            files={"file": ("v2.docx", docx_of(unique_text(900).splitlines()), DOCX)},
            headers=me,
        )
        assert problem(as_docx) == (409, "report_id", "grade_final"), as_docx.text

        versions = await client.get(url, headers=me)
        assert [v["version"] for v in versions.json()["items"]] == [1]
        report = await fetch(
            service_dsns, "SELECT current_version FROM reports WHERE report_id = $1", graded
        )
        assert report[0]["current_version"] == 1

        # Not graded yet (reviewed, same season): a new version is still taken.
        open_id, open_authors = await reviewed_report(
            service_dsns, season, {"rv-a": 70.0}, authors=(f"{season}-open",)
        )
        taken = await client.post(
            f"{base}/reports/{open_id}/versions",
            json={"text": unique_text(900)},
            headers=student(open_authors[0]),
        )
        assert taken.status_code == 201, taken.text
        assert taken.json()["version"] == 2
