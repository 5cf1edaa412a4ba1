"""Submitting reports on the running service: text, real PDFs (Chinese, reportlab) and
DOCX files (python-docx) the tests make from the seed texts; versions kept with their
files and hashes; late ones flagged; and every bad submission refused with a clear 4xx
naming the rule, changing nothing."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest

from tests.e2e.evaluation.college import COLLEGE
from tests.e2e.evaluation.reports_support import (
    CHAIR,
    DOCX,
    PDF,
    SUBMITTED,
    TEACHER,
    broken_docx,
    docx_of,
    encrypted_pdf,
    evaluation_base,
    new_season_name,
    pdf_of,
    png_bytes,
    put_season,
    report_text,
    require_individual,
    scanned_pdf,
    season_reports,
    truncated,
    unique_text,
)
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e


def _squeezed(text: str) -> str:
    return re.sub(r"\s", "", text)


async def _individual(client: httpx.AsyncClient, base: str, **window: Any) -> tuple[str, str]:
    season = new_season_name()
    await put_season(client, base, season, **window)
    student = f"s-{uuid4().hex[:8]}"
    report = await require_individual(client, base, season, student)
    return report["report_id"], student


async def _versions(client: httpx.AsyncClient, base: str, report_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"{base}/reports/{report_id}/versions", headers=CHAIR)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _upload(
    client: httpx.AsyncClient,
    base: str,
    report_id: str,
    who: dict[str, str],
    data: bytes,
    filename: str,
    content_type: str,
) -> httpx.Response:
    return await client.post(
        f"{base}/reports/{report_id}/versions/upload",
        files={"file": (filename, data, content_type)},
        headers=who,
    )


async def test_text_pdf_and_docx_versions_are_kept_with_their_files(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    base = evaluation_base(services)
    async with httpx.AsyncClient(timeout=30) as client:
        report_id, student = await _individual(client, base)
        me = bearer(student, "student", COLLEGE)
        text = report_text(0, 1500)
        first = await client.post(
            f"{base}/reports/{report_id}/versions", json={"text": text}, headers=me
        )
        assert first.status_code == 201, first.text
        one = first.json()
        assert (one["version"], one["source"], one["late"]) == (1, "text", False)
        assert one["characters"] == len(text.strip())
        assert one["sha256"] == hashlib.sha256(text.strip().encode()).hexdigest()
        assert one["report"]["current_version"] == 1 and one["report"]["submitted"]

        pdf_text = report_text(1500, 1500)
        pdf = pdf_of(pdf_text)
        second = await _upload(client, base, report_id, me, pdf, "暑期社会实践报告.pdf", PDF)
        assert second.status_code == 201, second.text
        two = second.json()
        assert (two["version"], two["source"], two["filename"]) == (
            2,
            "pdf",
            "暑期社会实践报告.pdf",
        )
        assert two["sha256"] == hashlib.sha256(pdf).hexdigest()

        paragraphs = report_text(3000, 900).splitlines()
        docx = docx_of(paragraphs, table=[["日期", "地点"], ["7月15日", "湘西州花垣县"]])
        third = await _upload(client, base, report_id, me, docx, "report.docx", DOCX)
        assert third.status_code == 201, third.text
        assert (third.json()["version"], third.json()["source"]) == (3, "docx")

        versions = await _versions(client, base, report_id)
        assert [v["version"] for v in versions] == [1, 2, 3]
        assert [v["source"] for v in versions] == ["text", "pdf", "docx"]
        detail = await client.get(f"{base}/reports/{report_id}/versions/2", headers=me)
        assert detail.status_code == 200
        assert _squeezed(detail.json()["body"]) == _squeezed(pdf_text)
        docx_body = (await client.get(f"{base}/reports/{report_id}/versions/3", headers=me)).json()
        assert paragraphs[0] in docx_body["body"] and "湘西州花垣县" in docx_body["body"]
        # The original files, byte for byte, for the author and for a teacher.
        for who in (me, TEACHER):
            file = await client.get(f"{base}/reports/{report_id}/versions/2/file", headers=who)
            assert file.status_code == 200
            assert file.content == pdf
            assert file.headers["content-type"] == PDF
        docx_file = await client.get(f"{base}/reports/{report_id}/versions/3/file", headers=me)
        assert (docx_file.content, docx_file.headers["content-type"]) == (docx, DOCX)
        as_text = await client.get(f"{base}/reports/{report_id}/versions/1/file", headers=me)
        assert as_text.text == text.strip()

        async def all_submitted() -> bool:
            return len(await events_keyed(stack.kafka_bootstrap, SUBMITTED, report_id)) >= 3

        await wait_until(all_submitted, timeout_s=30, what="three ReportSubmitted")
        events = await events_keyed(stack.kafka_bootstrap, SUBMITTED, report_id)
        assert [(e["version"], e["source"]) for e in events] == [
            (1, "text"),
            (2, "pdf"),
            (3, "docx"),
        ]
        assert events[1]["sha256"] == hashlib.sha256(pdf).hexdigest()


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "status", "rule"),
    [
        (lambda: encrypted_pdf(report_text()), "locked.pdf", PDF, 422, "pdf_encrypted"),
        (scanned_pdf, "scan.pdf", PDF, 422, "pdf_no_text"),
        (lambda: truncated(pdf_of(report_text())), "cut.pdf", PDF, 422, "file_corrupt"),
        (broken_docx, "broken.docx", DOCX, 422, "file_corrupt"),
        (lambda: truncated(docx_of(["正文"] * 40)), "cut.docx", DOCX, 422, "file_corrupt"),
        (png_bytes, "photo.png", "image/png", 422, "file_type_unsupported"),
        (lambda: "纯文本报告".encode(), "report.txt", "text/plain", 422, "file_type_unsupported"),
        (lambda: pdf_of(report_text()), "report.docx", DOCX, 422, "file_type_mismatch"),
        # Over upload_max_bytes (10 MiB) yet within the request limit (max_body_bytes):
        # the route's own 413 naming the file (an 11 MiB one: test_reports_upload_sizes.py).
        (lambda: b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), "huge.pdf", PDF, 413, "file_too_large"),
    ],
    ids=[
        "encrypted",
        "scanned",
        "truncated-pdf",
        "broken-docx",
        "truncated-docx",
        "png",
        "txt",
        "mismatch",
        "oversized",
    ],
)
async def test_bad_files_are_refused_naming_the_file_and_change_nothing(
    services: dict[str, str],
    data: Any,
    filename: str,
    content_type: str,
    status: int,
    rule: str | None,
) -> None:
    base = evaluation_base(services)
    async with httpx.AsyncClient(timeout=30) as client:
        report_id, student = await _individual(client, base)
        me = bearer(student, "student", COLLEGE)
        response = await _upload(client, base, report_id, me, data(), filename, content_type)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        if rule is not None:
            [error] = response.json()["errors"]
            assert (error["field"], error["rule"]) == ("file", rule)
        assert await _versions(client, base, report_id) == []
        report = (await client.get(f"{base}/reports/{report_id}", headers=me)).json()
        assert (report["current_version"], report["submitted"]) == (0, False)


async def test_a_missing_file_or_empty_text_is_refused(services: dict[str, str]) -> None:
    base = evaluation_base(services)
    async with httpx.AsyncClient(timeout=30) as client:
        report_id, student = await _individual(client, base)
        me = bearer(student, "student", COLLEGE)
        no_file = await client.post(
            f"{base}/reports/{report_id}/versions/upload", data={"note": "x"}, headers=me
        )
        assert no_file.status_code == 422
        assert "file" in no_file.json()["errors"][0]["field"]
        empty = await client.post(
            f"{base}/reports/{report_id}/versions", json={"text": "  \n "}, headers=me
        )
        assert empty.status_code == 422
        assert empty.json()["errors"][0] == {
            "field": "text",
            "rule": "report_empty",
            "message": "the report has no text",
        }
        assert await _versions(client, base, report_id) == []


async def test_before_the_window_refused_after_it_accepted_and_flagged_late(
    services: dict[str, str],
) -> None:
    base = evaluation_base(services)
    now = datetime.now(UTC)
    async with httpx.AsyncClient(timeout=30) as client:
        early_id, early = await _individual(
            client, base, opens_at=now + timedelta(days=2), closes_at=now + timedelta(days=16)
        )
        refused = await client.post(
            f"{base}/reports/{early_id}/versions",
            json={"text": report_text()},
            headers=bearer(early, "student", COLLEGE),
        )
        assert refused.status_code == 409, refused.text
        assert refused.json()["errors"][0]["rule"] == "window_not_open"
        assert await _versions(client, base, early_id) == []

        late_id, late = await _individual(
            client, base, opens_at=now - timedelta(days=20), closes_at=now - timedelta(days=6)
        )
        me = bearer(late, "student", COLLEGE)
        accepted = await _upload(client, base, late_id, me, pdf_of(report_text()), "迟交.pdf", PDF)
        assert accepted.status_code == 201, accepted.text
        assert accepted.json()["late"] is True
        assert accepted.json()["report"]["late"] is True
        [kept] = await _versions(client, base, late_id)
        assert kept["late"] is True


async def test_only_the_leader_or_the_individual_submits(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    base = evaluation_base(services)
    async with httpx.AsyncClient(timeout=30) as client:
        report_id, student = await _individual(client, base)
        text = {"text": report_text()}
        url = f"{base}/reports/{report_id}/versions"
        classmate = await client.post(url, json=text, headers=bearer("s-other", "student", COLLEGE))
        assert classmate.status_code == 404  # not theirs: not even there
        chair = await client.post(url, json=text, headers=CHAIR)
        assert chair.status_code == 409
        assert chair.json()["errors"][0]["rule"] == "only_submitter_submits"
        foreign = await client.post(url, json=text, headers=bearer(student, "student", "fl"))
        assert foreign.status_code == 403
        other_college = await client.post(
            f"{evaluation_base(services, 'fl')}/reports/{report_id}/versions",
            json=text,
            headers=bearer(student, "student", "fl"),
        )
        assert other_college.status_code == 404
        assert await _versions(client, base, report_id) == []


async def test_a_team_member_reads_but_only_the_leader_submits(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    from tests.e2e.evaluation.reports_support import approved, consumed, produce, registered

    base = evaluation_base(services)
    season = new_season_name()
    leader, member = f"s-{uuid4().hex[:6]}", f"s-{uuid4().hex[:6]}"
    team = uuid4()
    async with httpx.AsyncClient(timeout=30) as client:
        await put_season(client, base, season)
        await produce(
            stack.kafka_bootstrap,
            (registered(team, season, leader, [member]), uuid4()),
            (approved(team, season), uuid4()),
        )
        await consumed(stack.kafka_bootstrap)
        [report] = await season_reports(client, base, season)
        url = f"{base}/reports/{report['report_id']}/versions"
        docx = docx_of(report_text(500, 800).splitlines())
        by_member = await client.post(
            f"{url}/upload",
            files={"file": ("队员.docx", docx, DOCX)},
            headers=bearer(member, "student", COLLEGE),
        )
        assert by_member.status_code == 409
        assert by_member.json()["errors"][0]["rule"] == "only_submitter_submits"
        assert leader in by_member.json()["errors"][0]["message"]
        by_leader = await client.post(
            f"{url}/upload",
            files={"file": ("队长.docx", docx, DOCX)},
            headers=bearer(leader, "student", COLLEGE),
        )
        assert by_leader.status_code == 201, by_leader.text
        # The member reads the report and its file; the season lists it for them only.
        member_auth = bearer(member, "student", COLLEGE)
        assert (await client.get(f"{url}/1/file", headers=member_auth)).content == docx
        assert [
            r["report_id"] for r in await season_reports(client, base, season, member_auth)
        ] == [report["report_id"]]
        outsider = bearer("s-outsider", "student", COLLEGE)
        assert await season_reports(client, base, season, outsider) == []
        assert (await client.get(f"{url}/1/file", headers=outsider)).status_code == 404


async def test_seasons_and_requirements_refuse_bad_input(services: dict[str, str]) -> None:
    base = evaluation_base(services)
    season = new_season_name()
    async with httpx.AsyncClient(timeout=30) as client:
        backwards = await client.put(
            f"{base}/seasons/{season}",
            json={
                "title": "倒置的窗口",
                "term_starts_on": "2026-09-07",
                "opens_at": "2026-09-10T00:00:00+08:00",
                "closes_at": "2026-09-09T00:00:00+08:00",
            },
            headers=CHAIR,
        )
        assert backwards.status_code == 422
        assert backwards.json()["errors"][0]["field"] == "closes_at"
        by_student = await client.put(
            f"{base}/seasons/{season}",
            json={"title": "x", "term_starts_on": "2026-09-07"},
            headers=bearer("s-1", "student", COLLEGE),
        )
        assert by_student.status_code == 403
        assert (await client.get(f"{base}/seasons/{season}", headers=CHAIR)).status_code == 404
        unknown = await client.post(
            f"{base}/seasons/{season}/individual-requirements",
            json={"student_id": "s-1"},
            headers=CHAIR,
        )
        assert unknown.status_code == 404
        await put_season(client, base, season)
        await require_individual(client, base, season, "s-twice")
        again = await client.post(
            f"{base}/seasons/{season}/individual-requirements",
            json={"student_id": "s-twice"},
            headers=CHAIR,
        )
        assert again.status_code == 409
        assert again.json()["errors"][0]["rule"] == "requirement_exists"
        assert len(await season_reports(client, base, season)) == 1


async def test_each_version_passes_the_similarity_gate_in_its_transaction(
    services: dict[str, str],
) -> None:
    """A copy of a classmate's report is flagged at submission (the gate runs with it)."""
    base = evaluation_base(services)
    season = new_season_name()
    async with httpx.AsyncClient(timeout=30) as client:
        await put_season(client, base, season)
        original, copier = f"s-{uuid4().hex[:6]}", f"s-{uuid4().hex[:6]}"
        first = await require_individual(client, base, season, original)
        second = await require_individual(client, base, season, copier)
        text = unique_text(2000)
        own = await client.post(
            f"{base}/reports/{first['report_id']}/versions",
            json={"text": text},
            headers=bearer(original, "student", COLLEGE),
        )
        assert own.status_code == 201, own.text
        assert own.json()["report"]["integrity"] == "clear"
        copied = await _upload(
            client,
            base,
            second["report_id"],
            bearer(copier, "student", COLLEGE),
            pdf_of(text),
            "抄袭.pdf",
            PDF,
        )
        assert copied.status_code == 201, copied.text
        assert copied.json()["report"]["integrity"] == "flagged"
        report = await client.get(f"{base}/reports/{second['report_id']}", headers=CHAIR)
        assert report.json()["integrity"] == "flagged"
