"""The chair's integrity decision over HTTP on the running evaluation service: a copy the
gate flagged is read (passages on both sides), listed among the season's open flags and
decided; misconduct on a Class I team report puts IntegrityDecided and
FundsReclaimRequested (with the team's budget) on Kafka, cleared has no consequence.
Bad input changes nothing."""

from __future__ import annotations

import random
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from tests.e2e.evaluation.similarity_support import (
    integrity,
    new_report,
    new_season,
    submit,
    unique_college,
    unrelated_body,
)
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, wait_until
from tools.bench.evaluation_similarity_corpus import copy_into, full_report
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

SEASON = "2026-autumn"
DECIDED = "campusflow.evaluation.integrity.decided.v1"
RECLAIM = "campusflow.evaluation.funds_reclaim.requested.v1"


async def flagged_copy(
    conn: asyncpg.Connection, college: str, *, project_class: str | None, budget: int | None
) -> tuple[UUID, UUID, str]:
    """(source report, flagged copy, copy's text): a team copies 30% of another's report."""
    source = await new_report(conn, college, SEASON, [f"src-{uuid4().hex[:6]}"])
    source_body = unrelated_body()
    await submit(conn, college, SEASON, source, full_report(source_body))
    # Copied from the body only, so the copy's size is its prose: a piece of the
    # references section would be ignored as references wherever it lands.
    text, _ = copy_into(unrelated_body(), source_body, random.Random(11), 0.3, "edit")
    copier = await new_report(
        conn,
        college,
        SEASON,
        [f"lead-{uuid4().hex[:6]}", "member-2"],
        project_class=project_class,
        budget_yuan=budget,
    )
    await submit(conn, college, SEASON, copier, text)
    assert await integrity(conn, copier) == "flagged"
    return source, copier, text


def url(services: dict[str, str], college: str, path: str) -> str:
    return f"{services['evaluation']}/api/evaluation/colleges/{college}{path}"


async def test_misconduct_on_class_i_copy_reclaims_funds(
    conn: asyncpg.Connection, services: dict[str, str], stack: StackEndpoints
) -> None:
    college = unique_college()
    await new_season(conn, college, SEASON)
    source, copier, text = await flagged_copy(conn, college, project_class="I", budget=8000)
    chair = bearer("chair-1", "college_admin", college)
    async with httpx.AsyncClient(timeout=30) as http:
        read = await http.get(
            url(services, college, f"/reports/{copier}/similarity"), headers=chair
        )
        assert read.status_code == 200, read.text
        body = read.json()
        assert body["flagged"] and body["integrity"] == "flagged" and body["containment"] > 0.2
        (match,) = body["matches"]
        assert match["report_id"] == str(source)
        for passage in match["passages"]:
            assert text[passage["start"] : passage["end"]] == passage["text"]
            assert passage["source_end"] - passage["source_start"] >= 13
        teacher = bearer("teacher-1", "teacher", college)
        as_teacher = await http.get(
            url(services, college, f"/reports/{copier}/similarity"), headers=teacher
        )
        assert as_teacher.status_code == 200
        student = bearer("member-2", "student", college)
        as_student = await http.get(
            url(services, college, f"/reports/{copier}/similarity"), headers=student
        )
        assert as_student.status_code == 403
        flags = await http.get(url(services, college, f"/seasons/{SEASON}/flags"), headers=chair)
        assert flags.status_code == 200
        assert [f["report_id"] for f in flags.json()["items"]] == [str(copier)]
        assert flags.json()["items"][0]["sources"][0]["report_id"] == str(source)

        decided = await http.post(
            url(services, college, f"/reports/{copier}/integrity-decision"),
            headers=chair,
            json={"decision": "misconduct", "reason": "第二、三部分大段抄袭他人报告"},
        )
        assert decided.status_code == 200, decided.text
        assert decided.json()["funds_reclaim_requested"] is True
        again = await http.post(
            url(services, college, f"/reports/{copier}/integrity-decision"),
            headers=chair,
            json={"decision": "cleared", "reason": "改判"},
        )
        assert again.status_code == 409
        assert again.json()["errors"][0]["rule"] == "not_flagged"
        flags = await http.get(url(services, college, f"/seasons/{SEASON}/flags"), headers=chair)
        assert flags.json()["items"] == []
    assert await integrity(conn, copier) == "misconduct"

    async def both() -> bool:
        decided = await events_keyed(stack.kafka_bootstrap, DECIDED, str(copier))
        reclaim = await events_keyed(stack.kafka_bootstrap, RECLAIM, str(copier))
        return bool(decided and reclaim)

    await wait_until(both, timeout_s=30, what="IntegrityDecided and FundsReclaimRequested")
    (decided_event,) = await events_keyed(stack.kafka_bootstrap, DECIDED, str(copier))
    assert decided_event["decision"] == "misconduct"
    assert decided_event["decided_by"] == "chair-1"
    (reclaim,) = await events_keyed(stack.kafka_bootstrap, RECLAIM, str(copier))
    assert reclaim["budget_yuan"] == 8000 and reclaim["season"] == SEASON


async def test_cleared_has_no_consequence(
    conn: asyncpg.Connection, services: dict[str, str], stack: StackEndpoints
) -> None:
    college = unique_college()
    await new_season(conn, college, SEASON)
    _, copier, _ = await flagged_copy(conn, college, project_class="I", budget=5000)
    chair = bearer("chair-2", "college_admin", college)
    async with httpx.AsyncClient(timeout=30) as http:
        decided = await http.post(
            url(services, college, f"/reports/{copier}/integrity-decision"),
            headers=chair,
            json={"decision": "cleared", "reason": "引用已在文中注明，属合理引用"},
        )
        assert decided.status_code == 200, decided.text
        assert decided.json()["funds_reclaim_requested"] is False
    assert await integrity(conn, copier) == "cleared"

    async def seen() -> bool:
        return bool(await events_keyed(stack.kafka_bootstrap, DECIDED, str(copier)))

    await wait_until(seen, timeout_s=30, what="IntegrityDecided")
    (event,) = await events_keyed(stack.kafka_bootstrap, DECIDED, str(copier))
    assert event["decision"] == "cleared"
    assert await events_keyed(stack.kafka_bootstrap, RECLAIM, str(copier)) == []
    revoked = await conn.fetchval(
        "SELECT count(*) FROM outbox WHERE message_key = $1 AND headers->>'ce_type' <> $2",
        str(copier).encode(),
        DECIDED,
    )
    # only the gate's SimilarityFlagged besides the decision: no revocation, no withdrawal
    assert revoked == 1


async def test_bad_decisions_are_refused_and_change_nothing(
    conn: asyncpg.Connection, services: dict[str, str]
) -> None:
    college = unique_college()
    await new_season(conn, college, SEASON)
    _, copier, _ = await flagged_copy(conn, college, project_class=None, budget=None)
    clear = await new_report(conn, college, SEASON, ["honest"])
    await submit(conn, college, SEASON, clear, unrelated_body())
    chair = bearer("chair-3", "college_admin", college)
    path = f"/reports/{copier}/integrity-decision"
    good = {"decision": "misconduct", "reason": "抄袭"}
    async with httpx.AsyncClient(timeout=30) as http:
        for role in ("student", "reviewer", "teacher"):
            refused = await http.post(
                url(services, college, path), headers=bearer("x", role, college), json=good
            )
            assert refused.status_code == 403, role
        unknown = await http.post(
            url(services, college, path),
            headers=chair,
            json={"decision": "expelled", "reason": "x"},
        )
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["field"] == "decision"
        huge = await http.post(
            url(services, college, path),
            headers=chair,
            json={"decision": "misconduct", "reason": "抄" * 5000},
        )
        assert huge.status_code == 422 and huge.json()["errors"][0]["field"] == "reason"
        empty = await http.post(
            url(services, college, path), headers=chair, json={"decision": "cleared", "reason": " "}
        )
        assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "reason"
        unflagged = await http.post(
            url(services, college, f"/reports/{clear}/integrity-decision"), headers=chair, json=good
        )
        assert unflagged.status_code == 409
        assert unflagged.json()["errors"][0] == {
            "field": "report_id",
            "rule": "not_flagged",
            "message": "only a flagged report can be decided; this one is clear",
        }
        other = unique_college()
        other_chair = bearer("chair-9", "college_admin", other)
        wrong_college = await http.post(url(services, other, path), headers=other_chair, json=good)
        assert wrong_college.status_code == 404
        cross = await http.post(url(services, other, path), headers=chair, json=good)
        assert cross.status_code == 403
        missing = await http.post(
            url(services, college, f"/reports/{uuid4()}/integrity-decision"),
            headers=chair,
            json=good,
        )
        assert missing.status_code == 404
    assert await integrity(conn, copier) == "flagged"
    assert await integrity(conn, clear) == "clear"
    decisions = await conn.fetchval(
        "SELECT count(*) FROM integrity_decisions WHERE report_id = ANY($1::uuid[])",
        [copier, clear],
    )
    assert decisions == 0
