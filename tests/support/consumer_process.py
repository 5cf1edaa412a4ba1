"""The kernel test consumer as its own OS process, so tests can kill and restart it.

python -m tests.support.consumer_process --dsn ... --bootstrap ... --name ... [--delay-ms N]
"""

from __future__ import annotations

import argparse
import asyncio

import asyncpg

from shared.db.pool import create_pool
from shared.events import ApplicationSubmitted
from shared.events.base import Envelope
from shared.messaging.broker import make_broker, make_producer
from shared.messaging.consumer import EventProcessor
from shared.messaging.dead_letters import DeadLetterPublisher
from shared.messaging.subscriptions import subscribe
from tests.support.kernel import SCHEMA, kernel_consumer, record_effect


async def main(arguments: argparse.Namespace) -> None:
    pool = await create_pool(arguments.dsn, schema=SCHEMA, max_size=4)
    producer = make_producer(arguments.bootstrap, client_id="kernel-test-dlt")
    await producer.start()
    delay = arguments.delay_ms / 1000

    async def slow_effect(
        conn: asyncpg.Connection, event: ApplicationSubmitted, envelope: Envelope
    ) -> None:
        await asyncio.sleep(delay)
        await record_effect(conn, event, envelope)

    consumer = kernel_consumer(arguments.name, slow_effect)
    broker = make_broker(arguments.bootstrap, client_id=f"kernel-test-{arguments.name}")
    processor = EventProcessor(consumer, pool, DeadLetterPublisher(producer))
    subscribe(broker, processor, group_prefix="tests", max_records=arguments.max_records)
    await broker.start()
    print("consumer ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--max-records", type=int, default=50)
    asyncio.run(main(parser.parse_args()))
