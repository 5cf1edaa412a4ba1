"""The whole integrity path through the running services' APIs and Kafka: an approved
Class I team (recruitment's events) submits a report copying a classmate's, the gate
flags it at submission, the chair reads the passages and decides misconduct —
IntegrityDecided and FundsReclaimRequested (the team's budget) reach Kafka; another
flagged copy is cleared and has no consequence."""

from __future__ import annotations

import random
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from tests.e2e.evaluation.college import COLLEGE
from tests.e2e.evaluation.reports_support import (
    CHAIR,
    approved,
    consumed,
    evaluation_base,
    new_season_name,
    produce,
    put_season,
    registered,
    require_individual,
    season_reports,
)
from tests.e2e.evaluation.similarity_support import unrelated_body
from tests.support.auth import bearer
from tests.support.kafka import events_keyed, wait_until
from tools.bench.evaluation_similarity_corpus import copy_into
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

DECIDED = "campusflow.evaluation.integrity.decided.v1"
RECLAIM = "campusflow.evaluation.funds_reclaim.requested.v1"
FLAGGED = "campusflow.evaluation.similarity.flagged.v1"


async def submit_text(
    client: httpx.AsyncClient, base: str, report_id: str, student: str, text: str
) -> dict[str, Any]:
    response = await client.post(
        f"{base}/reports/{report_id}/versions",
        json={"text": text},
        headers=bearer(student, "student", COLLEGE),
    )
    assert response.status_code == 201, response.text
    report: dict[str, Any] = response.json()["report"]
    return report


async def kafka_events(bootstrap: str, event_type: str, report_id: str) -> list[dict[str, Any]]:
    return await events_keyed(bootstrap, event_type, report_id)


async def test_flagged_team_copy_decided_misconduct_and_a_cleared_copy(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    base = evaluation_base(services)
    season = new_season_name()
    bootstrap = stack.kafka_bootstrap
    async with httpx.AsyncClient(timeout=60) as client:
        await put_season(client, base, season)
        team_id = uuid4()
        leader = f"s-{uuid4().hex[:6]}"
        await produce(
            bootstrap,
            (registered(team_id, season, leader, [leader, "s-member-b"]), uuid4()),
            (approved(team_id, season, "I"), uuid4()),
        )
        await consumed(bootstrap)
        (team_report,) = [
            r for r in await season_reports(client, base, season) if r["team_id"] == str(team_id)
        ]
        classmate = f"s-{uuid4().hex[:6]}"
        source = await require_individual(client, base, season, classmate)
        original = unrelated_body(2500)
        assert (await submit_text(client, base, source["report_id"], classmate, original))[
            "integrity"
        ] == "clear"
        copied, _ = copy_into(unrelated_body(2000), original, random.Random(21), 0.3, "t2s")
        flagged = await submit_text(client, base, team_report["report_id"], leader, copied)
        assert flagged["integrity"] == "flagged"
        report_id = team_report["report_id"]

        read = await client.get(f"{base}/reports/{report_id}/similarity", headers=CHAIR)
        assert read.status_code == 200, read.text
        (match,) = read.json()["matches"]
        assert match["report_id"] == source["report_id"]
        for passage in match["passages"]:
            assert copied[passage["start"] : passage["end"]] == passage["text"]
            assert (
                original[passage["source_start"] : passage["source_end"]]
                == (passage["source_text"])
            )
        decided = await client.post(
            f"{base}/reports/{report_id}/integrity-decision",
            json={"decision": "misconduct", "reason": "报告主体照抄同学的个人报告（繁体改写）"},
            headers=CHAIR,
        )
        assert decided.status_code == 200, decided.text
        assert decided.json()["funds_reclaim_requested"] is True
        after = await client.get(f"{base}/reports/{report_id}", headers=CHAIR)
        assert after.json()["integrity"] == "misconduct"

        # a second copy, by an individual, is cleared: no consequence
        other = f"s-{uuid4().hex[:6]}"
        second = await require_individual(client, base, season, other)
        copied_again, _ = copy_into(unrelated_body(2000), original, random.Random(22), 0.2, "punct")
        assert (await submit_text(client, base, second["report_id"], other, copied_again))[
            "integrity"
        ] == "flagged"
        cleared = await client.post(
            f"{base}/reports/{second['report_id']}/integrity-decision",
            json={"decision": "cleared", "reason": "经核实为双方合作调研的共同资料，已注明"},
            headers=CHAIR,
        )
        assert cleared.status_code == 200, cleared.text
        assert cleared.json()["funds_reclaim_requested"] is False

    async def arrived() -> bool:
        return bool(
            await kafka_events(bootstrap, RECLAIM, report_id)
            and await kafka_events(bootstrap, DECIDED, second["report_id"])
        )

    await wait_until(arrived, timeout_s=60, what="the decisions' events on Kafka")
    (flag,) = await kafka_events(bootstrap, FLAGGED, report_id)
    assert flag["sources"][0]["report_id"] == source["report_id"] and flag["version"] == 1
    (decision,) = await kafka_events(bootstrap, DECIDED, report_id)
    assert (decision["decision"], decision["season"]) == ("misconduct", season)
    (reclaim,) = await kafka_events(bootstrap, RECLAIM, report_id)
    assert reclaim["team_id"] == str(team_id) and reclaim["budget_yuan"] == 3000
    (cleared_event,) = await kafka_events(bootstrap, DECIDED, second["report_id"])
    assert cleared_event["decision"] == "cleared"
    assert await kafka_events(bootstrap, RECLAIM, second["report_id"]) == []
    assert UUID(report_id) != UUID(second["report_id"])
