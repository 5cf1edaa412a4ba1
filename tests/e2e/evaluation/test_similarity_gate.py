"""The similarity gate on PostgreSQL: the inverted index, candidates from the cohort and
past seasons, exact passages with positions on both sides, template / references /
common phrasing ignored, own work never flagged, a new version replacing the old."""

from __future__ import annotations

import json
import random

import asyncpg
import pytest

from services.evaluation.service.similarity import GateLimits
from tests.e2e.evaluation.similarity_support import (
    flagged_events,
    integrity,
    matches,
    new_report,
    new_season,
    result,
    submit,
    unique_college,
    unrelated_body,
)
from tools.bench.evaluation_similarity_corpus import REFERENCES, TEMPLATE, copy_into, full_report

pytestmark = pytest.mark.e2e


async def cohort(conn: asyncpg.Connection, college: str, season: str, n: int) -> list[tuple]:
    """n unrelated submitted reports: (report id, text)."""
    made = []
    for i in range(n):
        report = await new_report(conn, college, season, [f"s{season[-2:]}{i:03d}"])
        text = full_report(unrelated_body(), template=TEMPLATE)
        await submit(conn, college, season, report, text)
        made.append((report, text))
    return made


async def test_unrelated_reports_sharing_template_and_references_are_clear(
    conn: asyncpg.Connection,
) -> None:
    college = unique_college()
    await new_season(conn, college, "2026-autumn", template=TEMPLATE)
    made = await cohort(conn, college, "2026-autumn", 6)
    for report, _ in made:
        assert await integrity(conn, report) == "clear"
        checked = await result(conn, report, 1)
        assert checked["flagged"] is False and checked["containment"] < 0.02
        assert await flagged_events(conn, report) == 0
    indexed = await conn.fetchval(
        "SELECT count(*) FROM similarity_documents WHERE college = $1", college
    )
    assert indexed == 6


async def test_copy_from_cohort_flags_with_positions_on_both_sides(
    conn: asyncpg.Connection,
) -> None:
    college = unique_college()
    await new_season(conn, college, "2026-autumn", template=TEMPLATE)
    made = await cohort(conn, college, "2026-autumn", 3)
    source, source_text = made[1]
    host_body, _ = copy_into(
        unrelated_body(),
        source_text[len(TEMPLATE) : -len(REFERENCES)],
        random.Random(3),
        0.25,
        "t2s",
    )
    copier = await new_report(conn, college, "2026-autumn", ["copier"])
    text = full_report(host_body)
    await submit(conn, college, "2026-autumn", copier, text)
    checked = await result(conn, copier, 1)
    assert checked["flagged"] is True and checked["containment"] > 0.15
    assert await integrity(conn, copier) == "flagged"
    assert await flagged_events(conn, copier) == 1
    (match,) = await matches(conn, copier, 1)
    assert match["source_report_id"] == source and match["source_version"] == 1
    passages = json.loads(match["passages"])
    assert passages
    from services.evaluation.domain.similarity_text import normalise

    for p in passages:
        here = text[p["start"] : p["end"]]
        there = source_text[p["source_start"] : p["source_end"]]
        assert here == p["text"]
        assert normalise(here).text == normalise(there).text
        assert len(normalise(here).text) >= 13


async def test_prose_under_a_references_heading_is_matched_on_both_sides(
    conn: asyncpg.Connection,
) -> None:
    """A heading hides no prose: the source keeps prose after its references, the copier
    pastes it after a bare 参考文献 line; the gate finds it, positions in both tails."""
    college = unique_college()
    await new_season(conn, college, "2026-autumn", template=TEMPLATE)
    prose = unrelated_body(900)
    source = await new_report(conn, college, "2026-autumn", ["hider"])
    source_text = full_report(unrelated_body()) + prose
    await submit(conn, college, "2026-autumn", source, source_text)
    copier = await new_report(conn, college, "2026-autumn", ["paster"])
    text = f"{TEMPLATE}\n\n{unrelated_body()}\n\n参考文献\n{prose}"
    await submit(conn, college, "2026-autumn", copier, text)
    checked = await result(conn, copier, 1)
    assert checked["flagged"] is True and checked["containment"] > 0.2
    (match,) = await matches(conn, copier, 1)
    assert match["source_report_id"] == source
    tail, source_tail = text.index(prose), source_text.index(prose)
    for p in json.loads(match["passages"]):
        assert p["start"] >= tail and p["source_start"] >= source_tail
        assert text[p["start"] : p["end"]] == source_text[p["source_start"] : p["source_end"]]


async def test_past_season_is_searched_and_same_author_is_own_work(
    conn: asyncpg.Connection,
) -> None:
    college = unique_college()
    await new_season(conn, college, "2025-autumn")
    await new_season(conn, college, "2026-autumn")
    old = await new_report(conn, college, "2025-autumn", ["alice"])
    old_text = unrelated_body()
    await submit(conn, college, "2025-autumn", old, old_text)
    # someone else copies last year's report: flagged, naming last season's report
    other = await new_report(conn, college, "2026-autumn", ["bob"])
    copied, _ = copy_into(unrelated_body(), old_text, random.Random(5), 0.3, "punct")
    await submit(conn, college, "2026-autumn", other, copied)
    assert await integrity(conn, other) == "flagged"
    (match,) = await matches(conn, other, 1)
    assert match["source_report_id"] == old and match["source_season"] == "2025-autumn"
    # alice reuses her own earlier report: not flagged
    again = await new_report(conn, college, "2026-autumn", ["alice", "carol"])
    reused, _ = copy_into(unrelated_body(), old_text, random.Random(6), 0.3, "plain")
    await submit(conn, college, "2026-autumn", again, reused)
    assert await integrity(conn, again) == "clear"
    assert [m["source_report_id"] for m in await matches(conn, again, 1)] == []


async def test_new_version_replaces_old_in_index_and_never_matches_itself(
    conn: asyncpg.Connection,
) -> None:
    college = unique_college()
    await new_season(conn, college, "2026-autumn")
    report = await new_report(conn, college, "2026-autumn", ["dora"])
    first = unrelated_body()
    await submit(conn, college, "2026-autumn", report, first)
    before = await conn.fetchrow(
        "SELECT document_id, fingerprints FROM similarity_documents WHERE report_id = $1", report
    )
    second = first + "\n\n补充：" + unrelated_body(600)
    assert await submit(conn, college, "2026-autumn", report, second) == 2
    after = await conn.fetchrow(
        "SELECT document_id, version, fingerprints FROM similarity_documents WHERE report_id = $1",
        report,
    )
    assert after["version"] == 2 and after["document_id"] != before["document_id"]
    old_rows = await conn.fetchval(
        "SELECT count(*) FROM similarity_fingerprints WHERE document_id = $1",
        before["document_id"],
    )
    new_rows = await conn.fetchval(
        "SELECT count(*) FROM similarity_fingerprints WHERE document_id = $1",
        after["document_id"],
    )
    assert old_rows == 0 and new_rows == after["fingerprints"] > before["fingerprints"]
    assert await integrity(conn, report) == "clear"
    assert (await result(conn, report, 2))["containment"] == 0


async def test_common_phrasing_across_many_reports_is_ignored(conn: asyncpg.Connection) -> None:
    college = unique_college()
    await new_season(conn, college, "2026-autumn")
    # a paragraph every report of the college repeats (not in the official template)
    boilerplate = (
        "本次暑期社会实践在学院团委的统一部署和指导下开展，全体队员认真准备、积极参与。" * 3
    )
    limits = GateLimits(common_share=0.05, common_min_reports=3, max_sources=10)
    reports = []
    for i in range(6):
        report = await new_report(conn, college, "2026-autumn", [f"c{i}"])
        body = unrelated_body(1200)
        await submit(conn, college, "2026-autumn", report, boilerplate + body, limits=limits)
        reports.append(report)
    # the first reports still saw it as rare (at most 3 holders): flagged; once more than
    # 3 reports hold it, it is common phrasing and ignored
    late = [await integrity(conn, r) for r in reports[4:]]
    assert late == ["clear", "clear"]
    assert (await result(conn, reports[5], 1))["ignored_fingerprints"] > 0
    # remembered as common: the next check skips them without reading their postings
    remembered = await conn.fetchval(
        "SELECT count(*) FROM similarity_common_hashes WHERE college = $1 AND reports > 3",
        college,
    )
    assert remembered > 0
    extra = await new_report(conn, college, "2026-autumn", ["c-extra"])
    await submit(
        conn, college, "2026-autumn", extra, boilerplate + unrelated_body(1200), limits=limits
    )
    assert await integrity(conn, extra) == "clear"
    assert (await result(conn, extra, 1))["ignored_fingerprints"] >= remembered


async def test_own_text_also_copied_by_another_is_still_own_work(
    conn: asyncpg.Connection,
) -> None:
    """Alice's passage, copied by Bob, reused by Alice in a new report: Bob's report holds
    exactly the same shared fingerprints as Alice's (re-indexed, newer) earlier report, yet
    the text is hers and her new report is not flagged."""
    college = unique_college()
    await new_season(conn, college, "2025-autumn")
    await new_season(conn, college, "2026-autumn")
    passage = unrelated_body(600)
    old = await new_report(conn, college, "2025-autumn", ["alice"])
    old_text = unrelated_body(1500) + "\n\n" + passage
    await submit(conn, college, "2025-autumn", old, old_text)
    bob = await new_report(conn, college, "2026-autumn", ["bob"])
    await submit(conn, college, "2026-autumn", bob, unrelated_body(1500) + "\n\n" + passage)
    assert await integrity(conn, bob) == "flagged"
    await submit(conn, college, "2025-autumn", old, old_text)  # re-indexed after Bob's
    new = await new_report(conn, college, "2026-autumn", ["alice"])
    await submit(conn, college, "2026-autumn", new, passage + "\n\n" + unrelated_body(1500))
    assert await integrity(conn, new) == "clear"
    assert await matches(conn, new, 1) == []
