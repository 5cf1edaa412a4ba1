from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from shared.db.pool import close_pool, create_pool
from shared.messaging.broker import make_producer
from shared.messaging.dead_letters import DeadLetterPublisher
from tests.support.kernel import SCHEMA, provision_kernel_schema
from tools.stack import StackEndpoints


@pytest.fixture(scope="session")
async def kernel_dsn(stack: StackEndpoints, service_dsns: dict[str, str]) -> str:
    return await provision_kernel_schema(stack.postgres_admin_dsn)


@pytest.fixture(scope="session")
async def kernel_pool(kernel_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(kernel_dsn, schema=SCHEMA, max_size=6)
    yield pool
    await close_pool(pool)


@pytest.fixture(scope="session")
async def producer(stack: StackEndpoints) -> AsyncIterator[AIOKafkaProducer]:
    producer = make_producer(stack.kafka_bootstrap, client_id="tests")
    await producer.start()
    yield producer
    await producer.stop()


@pytest.fixture(scope="session")
def dead_letters(producer: AIOKafkaProducer) -> DeadLetterPublisher:
    return DeadLetterPublisher(producer)
