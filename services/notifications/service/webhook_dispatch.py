"""The webhook dispatcher: a supervised background loop on every replica.

Each round it claims the due HEAD of each endpoint's queue (its lowest pending sequence;
`FOR UPDATE SKIP LOCKED`, so replicas never share one), POSTs it signed, and records the
attempt. Ordering per endpoint: at most one delivery of an endpoint is in flight, and a
later one waits while the head is pending — a failing head holds back its own endpoint
only, never another. A head is retried with full-jitter backoff until the retry window
(`webhook_retry_window_s`, >= 24 h) has passed since its first attempt; then it is
marked failed and the endpoint's next delivery goes (order is kept; the failed one can
be re-sent with a replay of its time range).

2xx is delivered; anything else (an error status, a refused connection, a timeout, an
address no longer allowed) is a failed attempt to retry. A claim lasts well beyond the
HTTP timeout; a replica that dies mid-send leaves the claim to lapse and another
replica sends again (receivers de-duplicate on the event id or the delivery id, which
stay the same).
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import uuid4

import asyncpg
import httpx
import structlog
from prometheus_client import Counter

from services.notifications.domain import webhooks as rules
from services.notifications.repository import webhooks as rows
from services.notifications.repository.webhooks import ClaimedWebhook
from services.notifications.service.webhooks import Resolver, check_url, resolve_host
from services.notifications.settings import NotificationsSettings
from shared.config import ServiceSettings
from shared.rules import RuleBroken
from shared.supervisor import Loop, LoopHealth, sleep_or_stop

log = structlog.get_logger(__name__)

IDLE_SLEEP_S = 0.5
BATCH = 100
USER_AGENT = "Campusflow-Webhooks/1"

ATTEMPTS = Counter(
    "campusflow_notifications_webhook_attempts_total",
    "Webhook attempts by what they led to: delivered, retry (pending again) or failed "
    "(given up after the retry window)",
    ["outcome"],
)


class WebhookDispatcher:
    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: NotificationsSettings,
        *,
        base_s: float = rules.BACKOFF_BASE_S,
        cap_s: float = rules.BACKOFF_CAP_S,
        idle_sleep_s: float = IDLE_SLEEP_S,
        rand: Callable[[], float] = random.random,
        resolve: Resolver = resolve_host,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        claimer: str | None = None,
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.base_s = base_s
        self.cap_s = cap_s
        self.idle_sleep_s = idle_sleep_s
        self.rand = rand
        self.resolve = resolve
        self.clock = clock
        self.claimer = claimer or f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:6]}"
        self.production = settings.environment == "production"
        # Comfortably longer than one POST can take.
        self.claim_for_s = settings.webhook_timeout_s * 3 + 30

    async def run(self, stop: asyncio.Event, health: LoopHealth) -> None:
        async with httpx.AsyncClient(
            timeout=self.settings.webhook_timeout_s, follow_redirects=False
        ) as client:
            while not stop.is_set():
                try:
                    busy = await self.round(client)
                    health.succeeded()
                except (OSError, asyncpg.PostgresError, TimeoutError) as error:
                    health.failed(error)
                    log.warning("webhook round failed", error=repr(error)[:300])
                    busy = False
                if not busy:
                    await sleep_or_stop(stop, self.idle_sleep_s)

    async def round(self, client: httpx.AsyncClient) -> bool:
        """One round: every due head sent at once; True when the batch was full."""
        now = self.clock()
        async with self.pool.acquire() as conn, conn.transaction():
            claimed = await rows.claim_heads(
                conn, claimer=self.claimer, now=now, claim_for_s=self.claim_for_s, limit=BATCH
            )
        outcomes = await asyncio.gather(
            *(self._deliver(client, item) for item in claimed), return_exceptions=True
        )
        errors = [o for o in outcomes if isinstance(o, BaseException)]
        if errors:  # the others were recorded; a lost record's claim lapses and is retried
            raise errors[0]
        return len(claimed) >= BATCH

    async def _deliver(self, client: httpx.AsyncClient, item: ClaimedWebhook) -> None:
        started_at = self.clock()
        began = time.monotonic()
        status_code, error = await self._post(client, item)
        finished_at = max(started_at, self.clock())
        if status_code is not None and rules.succeeded(status_code):
            status, next_at = "delivered", None
        else:
            after = rules.after_failure(
                attempts=item.attempt,
                first_attempt_at=item.first_attempt_at,
                now=finished_at,
                retry_window_s=self.settings.webhook_retry_window_s,
                rand=self.rand,
                base_s=self.base_s,
                cap_s=self.cap_s,
            )
            status, next_at = ("failed", None) if after.gives_up else ("pending", after.retry_at)
        async with self.pool.acquire() as conn, conn.transaction():
            recorded = await rows.record_attempt(
                conn,
                claimed=item,
                claimer=self.claimer,
                started_at=started_at,
                finished_at=finished_at,
                status_code=status_code,
                error=error,
                status=status,
                next_attempt_at=next_at,
            )
        if not recorded:
            log.warning("webhook claim lapsed before recording", delivery=str(item.delivery_id))
            return
        ATTEMPTS.labels("retry" if status == "pending" else status).inc()
        log.info(
            "webhook attempt",
            delivery=str(item.delivery_id),
            sequence=item.sequence,
            attempt=item.attempt,
            status=status,
            status_code=status_code,
            ms=int((time.monotonic() - began) * 1000),
        )

    async def _post(
        self, client: httpx.AsyncClient, item: ClaimedWebhook
    ) -> tuple[int | None, str | None]:
        """(status code, None) for an answer; (None, why) when there was none."""
        try:
            await check_url(item.url, production=self.production, resolve=self.resolve)
        except RuleBroken as refused:
            return None, f"refused: {refused.message}"[:500]
        body = rules.payload_text(
            item.body, sequence=item.sequence, delivery_id=str(item.delivery_id)
        )
        timestamp = int(self.clock().timestamp())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            rules.SIGNATURE_HEADER: rules.signature_header(item.secret, timestamp, body),
            rules.EVENT_ID_HEADER: str(item.event_id),
            rules.EVENT_TYPE_HEADER: item.event_type,
            rules.DELIVERY_ID_HEADER: str(item.delivery_id),
            rules.SEQUENCE_HEADER: str(item.sequence),
        }
        try:
            answer = await client.post(item.url, content=body.encode(), headers=headers)
        except httpx.HTTPError as error:
            return None, f"{type(error).__name__}: {error}"[:500]
        if rules.succeeded(answer.status_code):
            return answer.status_code, None
        return answer.status_code, answer.text[:300] or f"HTTP {answer.status_code}"


def webhook_dispatch_loop(pool: asyncpg.Pool, settings: ServiceSettings) -> Loop:
    """The kernel's factory for the supervised "webhooks" loop."""
    if not isinstance(settings, NotificationsSettings):
        raise TypeError("the webhook dispatcher needs the notifications service's settings")
    return WebhookDispatcher(
        pool,
        settings,
        base_s=settings.webhook_backoff_base_s,
        cap_s=settings.webhook_backoff_cap_s,
    ).run
