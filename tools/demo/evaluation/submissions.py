"""The season, the reports expected and their first versions, through the API only.

The chair opens the season under the recruitment demo's project-season name, with the
committee's template (so the similarity gate ignores it) and a window open today. The
approved teams' reports come from recruitment's events over Kafka: the loader waits for
them. The chair adds the individual social-practice requirements; each team leader and
each student submits a first version (one as a Word file). Loading again submits
nothing already submitted.
"""

from __future__ import annotations

import asyncio
import io
import time
from datetime import datetime, timedelta
from typing import Any

import httpx
from docx import Document

from tools.demo.evaluation.cast import (
    CAMPUS_TZ,
    CHAIR,
    COLLEGE,
    COPIED_TEAM,
    COPIER,
    INDIVIDUALS,
    TEAM_SEEDS,
    UPLOADS_DOCX,
)
from tools.demo.evaluation.texts import (
    TEMPLATE,
    full_report,
    report_bodies,
    with_copied_passages,
)
from tools.demo.scheduling.calls import Token, checked

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
WAIT_S = 60.0


def evaluation_root(urls: dict[str, str]) -> str:
    return f"{urls['evaluation']}/api/evaluation/colleges/{COLLEGE}"


async def open_season(
    client: httpx.AsyncClient, root: str, token: Token, season: str, now: datetime
) -> str:
    chair = token(CHAIR, "college_admin", COLLEGE)
    found = await client.get(f"{root}/seasons/{season}", headers=chair)
    if found.status_code == 200:
        return "present"
    checked(found, 404)
    # Summer reports are due in the first two weeks of the autumn term; the demo's term
    # began three days ago, so the window is open now.
    term_starts_on = (now.astimezone(CAMPUS_TZ) - timedelta(days=3)).date()
    checked(
        await client.put(
            f"{root}/seasons/{season}",
            json={
                "title": f"{season[:4]}年暑期社会实践报告评审",
                "term_starts_on": term_starts_on.isoformat(),
                "template_text": TEMPLATE,
            },
            headers=chair,
        ),
        201,
        200,
    )
    return "opened"


async def season_reports(
    client: httpx.AsyncClient, root: str, token: Token, season: str
) -> list[dict[str, Any]]:
    chair = token(CHAIR, "college_admin", COLLEGE)
    items: list[dict[str, Any]] = []
    while True:
        page = checked(
            await client.get(
                f"{root}/seasons/{season}/reports",
                params={"limit": 200, "offset": len(items)},
                headers=chair,
            ),
            200,
        ).json()["items"]
        items.extend(page)
        if len(page) < 200:
            return items


async def expect_reports(
    client: httpx.AsyncClient, root: str, token: Token, season: str
) -> dict[str, dict[str, Any]]:
    """Every report of the demo, keyed by team title or student id, once all are there."""
    chair = token(CHAIR, "college_admin", COLLEGE)
    for person in INDIVIDUALS:
        checked(
            await client.post(
                f"{root}/seasons/{season}/individual-requirements",
                json={"student_id": person.student_id, "title": person.title},
                headers=chair,
            ),
            201,
            409,
        )
    wanted = set(TEAM_SEEDS) | {p.student_id for p in INDIVIDUALS}
    deadline = time.monotonic() + WAIT_S
    while True:
        reports = await season_reports(client, root, token, season)
        keyed = {report_key(r): r for r in reports}
        if wanted <= set(keyed):
            return {key: keyed[key] for key in sorted(wanted)}
        if time.monotonic() > deadline:
            missing = ", ".join(sorted(wanted - set(keyed)))
            raise RuntimeError(
                f"evaluation has no report for {missing} after {WAIT_S:g} s (the teams' "
                "reports come from recruitment's ProjectTeamApproved over Kafka)"
            )
        await asyncio.sleep(0.5)


def report_key(report: dict[str, Any]) -> str:
    return str(report["title"]) if report["kind"] == "team" else str(report["submitter_id"])


def demo_texts() -> dict[str, str]:
    """The first version of every demo report, keyed like `expect_reports`."""
    keys = [*TEAM_SEEDS, *(p.student_id for p in INDIVIDUALS)]
    seeds = tuple([*TEAM_SEEDS.values(), *(p.seed for p in INDIVIDUALS)])
    titles = [*TEAM_SEEDS, *(p.title for p in INDIVIDUALS)]
    bodies = report_bodies(seeds)
    return {
        key: full_report(title, body) for key, title, body in zip(keys, titles, bodies, strict=True)
    }


def docx_of(text: str) -> bytes:
    document = Document()
    for paragraph in text.split("\n"):
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


async def submit_first_versions(
    client: httpx.AsyncClient,
    root: str,
    token: Token,
    reports: dict[str, dict[str, Any]],
    *,
    later: frozenset[str] = frozenset(),
) -> int:
    """A first version of each report not yet submitted, except those coming `later`; how
    many were submitted now. The copier's first version already pastes passages of the
    draft of the report she copies (which arrives later)."""
    texts = demo_texts()
    texts[COPIER] = with_copied_passages(texts[COPIER], texts[COPIED_TEAM])
    submitted = 0
    for key, report in reports.items():
        if report["current_version"] >= 1 or key in later:
            continue
        author = token(report["submitter_id"], "student", COLLEGE)
        url = f"{root}/reports/{report['report_id']}/versions"
        if key == UPLOADS_DOCX:
            name = f"{report['title']}.docx"
            response = await client.post(
                f"{url}/upload",
                files={"file": (name, docx_of(texts[key]), DOCX_TYPE)},
                headers=author,
            )
        else:
            response = await client.post(url, json={"text": texts[key]}, headers=author)
        report.update(checked(response, 201).json()["report"])
        submitted += 1
    return submitted
