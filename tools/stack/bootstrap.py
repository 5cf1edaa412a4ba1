"""Readies a fresh stack for the services: topics, roles and schemas, migrations."""

from __future__ import annotations

import importlib
from pathlib import Path

from shared.config import SERVICES
from shared.db.migrations import migrate
from shared.db.provision import provision_services
from shared.messaging.topics import create_topics
from tools.stack import StackEndpoints


def migrations_folder(service: str) -> Path:
    package = importlib.import_module(f"services.{service}")
    assert package.__file__ is not None
    return Path(package.__file__).parent / "migrations"


async def prepare_platform(endpoints: StackEndpoints) -> dict[str, str]:
    """Create topics, provision each service's role and schema, apply migrations.

    Returns each service's own DSN. Safe to run again on a prepared stack.
    """
    await create_topics(endpoints.kafka_bootstrap)
    dsns = await provision_services(endpoints.postgres_admin_dsn)
    for service in SERVICES:
        await migrate(dsns[service], schema=service, folder=migrations_folder(service))
    return dsns
