"""The notifications bench's worker processes, on the bench's scratch schema:

    python -m tools.bench.notifications_worker dispatch DSN SCHEMA REDIS_URL SMTP_PORT CLAIM_S
    python -m tools.bench.notifications_worker timers DSN SCHEMA

`dispatch` is ONE dispatcher exactly as the service runs it (services/notifications/
service/dispatch.py: claims SKIP LOCKED, the real email sender over SMTP, the real
wording and address lookups, protection in Redis under a namespace of its own), its
rate limits raised so they do not cap the figure. `timers` is the service's durable-timer
loop (shared.timers.run_due_actions with the service's DUE_ACTIONS and its default poll),
which fires the reminders through notify(). Each runs until killed; a separate process so
the bench can stop it mid-run: SIGTERM stops the dispatcher as the service's shutdown does
(the loop's stop event: sends under way finish and are recorded, unstarted claims are
given back), SIGKILL is a crash.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from uuid import uuid4

from services.notifications.channels.registry import channel_senders
from services.notifications.due_actions import DUE_ACTIONS
from services.notifications.service.dispatch import Dispatcher, close_senders, limits_of
from services.notifications.service.preferences import contact_address
from services.notifications.service.protection import Protection
from services.notifications.service.templates import render_message
from services.notifications.settings import NotificationsSettings
from shared.config import LOCAL_JWT_SECRET
from shared.db.pool import create_pool
from shared.supervisor import LoopHealth
from shared.timers import run_due_actions

# High enough that the limits never hold a bench message (they are protection, and
# per-channel 200/s by default would cap the very figure being measured).
BENCH_RATE_PER_S = 100_000


def bench_settings(
    dsn: str, redis_url: str, smtp_port: int, claim_s: float
) -> NotificationsSettings:
    return NotificationsSettings(
        environment="test",
        database_url=dsn,
        kafka_bootstrap="127.0.0.1:9",  # unused: no consumer runs here
        redis_url=redis_url,
        jwt_secret=LOCAL_JWT_SECRET,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        dispatch_idle_sleep_s=0.05,
        dispatch_claim_timeout_s=claim_s,
        rate_per_recipient_per_min=BENCH_RATE_PER_S,
        rate_per_channel_per_s=BENCH_RATE_PER_S,
    )


async def dispatch(dsn: str, schema: str, redis_url: str, smtp_port: int, claim_s: float) -> None:
    settings = bench_settings(dsn, redis_url, smtp_port, claim_s)
    pool = await create_pool(dsn, schema=schema, max_size=8)
    protection = Protection.from_url(
        redis_url, limits_of(settings), namespace=f"bench-{uuid4().hex[:8]}"
    )
    dispatcher = Dispatcher(
        pool,
        settings,
        senders=channel_senders(settings),
        protection=protection,
        render=render_message,
        address=contact_address,
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await dispatcher.run(stop, LoopHealth())
    finally:
        await protection.close()
        await close_senders(dispatcher.senders)


async def timers(dsn: str, schema: str) -> None:
    pool = await create_pool(dsn, schema=schema, max_size=4)
    await run_due_actions(pool, asyncio.Event(), actions=DUE_ACTIONS)


def main(argv: list[str]) -> None:
    if argv[:1] == ["dispatch"] and len(argv) == 6:
        asyncio.run(dispatch(argv[1], argv[2], argv[3], int(argv[4]), float(argv[5])))
    elif argv[:1] == ["timers"] and len(argv) == 3:
        asyncio.run(timers(argv[1], argv[2]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
