"""Events routing does not tell anyone of: a registered type without a route (one of
recruitment's, one of notifications' own) is counted in
campusflow_notifications_unrouted_total{event_type} and skipped; a routed event that
finds nobody (a team never registered) in ..._unaddressed_total; a malformed message is
dead-lettered; none stops the consumer — the next event is routed."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import httpx
import pytest

from services.notifications.consumers.routing import APPLICANT_NOTICES
from shared.events import notifications as nt
from shared.events import recruitment as rc
from shared.events.registry import RECRUITMENT_APPLICATIONS
from tests.e2e.notifications.routing_support import (
    admin,
    kinds_of,
    metric,
    produce,
    produce_raw,
    routed,
    run_id,
    with_ids,
)
from tests.support.kafka import header, read_topic, wait_until
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

COLLEGE = "cs"
NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
UNROUTED = "campusflow_notifications_unrouted_total"
UNADDRESSED = "campusflow_notifications_unaddressed_total"


async def test_unrouted_types_are_counted_and_skipped_and_the_next_event_is_routed(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    url, bootstrap, run = services["notifications"], stack.kafka_bootstrap, run_id()
    applicant = f"ann-{run}"
    screened = rc.ApplicationScreened(
        college=COLLEGE,
        application_id=uuid4(),
        campaign_id="summer",
        applicant_id=applicant,
        passed=True,
        screened_at=NOW,
    )
    escalation = nt.EscalationStarted(
        college=COLLEGE,
        chain_id=uuid4(),
        case="incident",
        subject_id=str(uuid4()),
        title="外出活动受伤",
        started_at=NOW,
    )
    approved = rc.ProjectTeamApproved(
        college=COLLEGE, team_id=uuid4(), season="2026", project_class="II", approved_at=NOW
    )
    submitted = rc.ApplicationSubmitted(
        college=COLLEGE,
        application_id=uuid4(),
        campaign_id="summer",
        applicant_id=applicant,
        applicant_name="李明",
        submitted_at=NOW,
        campaign_title="暑期支教",
    )
    async with httpx.AsyncClient(timeout=10) as client:
        before = {
            "screened": await metric(client, url, UNROUTED, event_type=screened.event_type),
            "escalation": await metric(client, url, UNROUTED, event_type=escalation.event_type),
            "approved": await metric(client, url, UNADDRESSED, event_type=approved.event_type),
        }
        events = with_ids([screened, escalation, approved, submitted])
        await produce(bootstrap, events)
        await routed(bootstrap, events)

        async def counted() -> bool:
            now = {
                "screened": await metric(client, url, UNROUTED, event_type=screened.event_type),
                "escalation": await metric(client, url, UNROUTED, event_type=escalation.event_type),
                "approved": await metric(client, url, UNADDRESSED, event_type=approved.event_type),
            }
            return all(now[name] == before[name] + 1 for name in before)

        await wait_until(counted, timeout_s=30, what="the unrouted and unaddressed counts")
        assert await kinds_of(client, url, COLLEGE, applicant) == ["application_received"]
        assert (await client.get(f"{url}/readyz")).status_code == 200

        # Delivered again: the inbox skips them, nothing is counted twice.
        await produce(bootstrap, events)
        await routed(bootstrap, events)
        again = await metric(client, url, UNROUTED, event_type=screened.event_type)
        assert again == before["screened"] + 1
        assert await kinds_of(client, url, COLLEGE, applicant) == ["application_received"]


async def test_a_malformed_event_is_dead_lettered_and_the_next_one_routed(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    url, bootstrap, run = services["notifications"], stack.kafka_bootstrap, run_id()
    applicant = f"bea-{run}"
    submitted = rc.ApplicationSubmitted(
        college=COLLEGE,
        application_id=uuid4(),
        campaign_id="summer",
        applicant_id=applicant,
        applicant_name="王芳",
        submitted_at=NOW,
    )
    admitted = rc.ApplicantAdmitted(
        college=COLLEGE,
        application_id=submitted.application_id,
        campaign_id="summer",
        applicant_id=applicant,
        decided_at=NOW,
    )
    marker = f"not json {run}".encode()
    await produce_raw(bootstrap, submitted, marker)
    events = with_ids([submitted, admitted])
    await produce(bootstrap, events)
    await routed(bootstrap, events)

    async def dead_lettered() -> bool:
        records = await read_topic(bootstrap, RECRUITMENT_APPLICATIONS.dead_letter)
        return any(
            record.value == marker and header(record, "dlt_consumer") == APPLICANT_NOTICES.name
            for record in records
        )

    await wait_until(dead_lettered, timeout_s=30, what="the malformed event in the DLT")
    async with httpx.AsyncClient(timeout=10) as client:
        assert await kinds_of(client, url, COLLEGE, applicant) == [
            "applicant_admitted",
            "application_received",
        ]


async def test_every_consumed_event_routed_or_not_is_offered_to_the_colleges_webhooks(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    url, bootstrap, run = services["notifications"], stack.kafka_bootstrap, run_id()
    college = f"wh{run}"
    hooks = f"{url}/api/notifications/colleges/{college}/webhooks"
    screened = rc.ApplicationScreened(
        college=college,
        application_id=uuid4(),
        campaign_id="summer",
        applicant_id=f"ann-{run}",
        passed=False,
        screened_at=NOW,
    )
    submitted = rc.ApplicationSubmitted(
        college=college,
        application_id=uuid4(),
        campaign_id="summer",
        applicant_id=f"ann-{run}",
        applicant_name="李明",
        submitted_at=NOW,
    )
    rejected = rc.ApplicantRejected(
        college=college,
        application_id=submitted.application_id,
        campaign_id="summer",
        applicant_id=f"ann-{run}",
        reason="名额已满",
        decided_at=NOW,
    )
    async with httpx.AsyncClient(timeout=10) as client:
        created = await client.post(
            hooks,
            json={
                "url": "http://127.0.0.1:9/campusflow",
                "event_types": [screened.event_type, submitted.event_type],
            },
            headers=admin(college),
        )
        assert created.status_code == 201, created.text
        endpoint = created.json()["endpoint_id"]
        try:
            events = with_ids([screened, submitted, rejected])
            await produce(bootstrap, events)
            await routed(bootstrap, events)
            await produce(bootstrap, events)
            await routed(bootstrap, events)
            log = await client.get(f"{hooks}/{endpoint}/deliveries", headers=admin(college))
            assert log.status_code == 200, log.text
            offered = sorted(str(d["event_id"]) for d in log.json()["items"])
            # The unrouted and the routed subscribed types, once each; not the unsubscribed.
            assert offered == sorted(str(event_id) for _, event_id in events[:2])
        finally:
            await client.delete(f"{hooks}/{endpoint}", headers=admin(college))
