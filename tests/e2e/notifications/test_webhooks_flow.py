"""The whole way on the running stack: events produced onto Kafka as recruitment's outbox
would, consumed by notifications' routing consumers (which offer every event to the
college's webhooks), sent by the service's own "webhooks" loop to a local receiver that
answers 503 for a while and then recovers — it gets every event once, in the order of
the partition, each signature verifying with the secret the API showed; a second
endpoint gets them all too."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from shared.events import recruitment as rc
from tests.e2e.notifications.routing_support import produce, routed, with_ids
from tests.e2e.notifications.webhooks_support import WebhookReceiver, WebhooksApi
from tests.support.http_server import serve
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

FAILING_FOR_S = 3.0


@pytest.fixture
def receiver() -> Iterator[tuple[WebhookReceiver, str]]:
    hooks = WebhookReceiver()
    with serve(hooks.app()) as (host, port):
        yield hooks, f"http://{host}:{port}"


async def test_kafka_events_reach_a_recovering_receiver_all_in_order_and_signed(
    services: dict[str, str], stack: StackEndpoints, receiver: tuple[WebhookReceiver, str]
) -> None:
    hooks, base = receiver
    college = f"whf{uuid4().hex[:8]}"
    admin = WebhooksApi(services["notifications"], college)
    screened_type = "campusflow.recruitment.application.screened.v1"
    flaky = admin.create({"url": f"{base}/flaky", "event_types": [screened_type]})
    steady = admin.create({"url": f"{base}/steady"})
    assert flaky.status_code == steady.status_code == 201, (flaky.text, steady.text)
    hooks.secrets["/flaky"] = flaky.json()["secret"]
    hooks.secrets["/steady"] = steady.json()["secret"]
    first_request: list[float] = []

    def failing(path: str) -> bool:
        """503 to /flaky for FAILING_FOR_S seconds from its first request on."""
        if path != "/flaky":
            return False
        first_request[:] = first_request or [time.monotonic()]
        return time.monotonic() < first_request[0] + FAILING_FOR_S

    hooks.failing = failing

    application = uuid4()  # one key: one partition, one order
    events = with_ids(
        [
            rc.ApplicationScreened(
                college=college,
                application_id=application,
                campaign_id="summer",
                applicant_id=f"ann-{college}",
                passed=i % 2 == 0,
                screened_at=datetime.now(UTC),
            )
            for i in range(8)
        ]
    )
    assert {event.event_type for event, _ in events} == {screened_type}
    await produce(stack.kafka_bootstrap, events)
    await routed(stack.kafka_bootstrap, events)

    expected = [str(event_id) for _, event_id in events]
    deadline = time.monotonic() + 90
    while len(hooks.at("/flaky")) < len(events) or len(hooks.at("/steady")) < len(events):
        assert time.monotonic() < deadline, (len(hooks.at("/flaky")), len(hooks.at("/steady")))
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)  # nothing more arrives (no duplicates)
    for path in ("/flaky", "/steady"):
        got = hooks.at(path)
        assert [r.event_id for r in got] == expected, path
        assert all(r.signed for r in got), path
        assert [r.body["event_type"] for r in got] == [screened_type] * len(events)
        assert [r.body["data"]["passed"] for r in got] == [i % 2 == 0 for i in range(8)]
    assert hooks.refused.get("/flaky", 0) >= 1  # it did refuse for a while

    log = admin.log(flaky.json()["endpoint_id"]).json()["items"]
    assert [d["status"] for d in log] == ["delivered"] * len(events)
    assert log[-1]["attempts"] >= 2 and log[-1]["attempt_log"][0]["status_code"] == 503
