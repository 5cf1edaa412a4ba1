"""Gives each service its own role and schema (what an operator does once per database).

In Kubernetes, CloudNativePG declares the same roles; locally the stack does it.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from shared.config import SERVICES
from shared.db.migrations import migrate

# Role and schema names are written into DDL, which takes no parameters: only plain names.
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def service_dsn(admin_dsn: str, service: str) -> str:
    """The admin DSN with the service's own role (password = role name, local only)."""
    parts = urlsplit(admin_dsn)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{service}:{service}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


async def ensure_role_and_schema(admin: asyncpg.Connection, name: str) -> None:
    """A login role and a schema it owns, both called `name`; idempotent."""
    if not _NAME.match(name):
        raise ValueError(f"{name!r} is not a plain role/schema name")
    if not await admin.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", name):
        await admin.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{name}'")
    await admin.execute(f"CREATE SCHEMA IF NOT EXISTS {name} AUTHORIZATION {name}")
    await admin.execute(f"ALTER ROLE {name} SET search_path = {name}")


async def provision_schema(admin_dsn: str, name: str, *, migrations: Path) -> str:
    """Role, schema and migrations (the kernel's, then `migrations`); returns the role's DSN."""
    admin = await asyncpg.connect(admin_dsn)
    try:
        await ensure_role_and_schema(admin, name)
    finally:
        await admin.close()
    dsn = service_dsn(admin_dsn, name)
    await migrate(dsn, schema=name, folder=migrations)
    return dsn


async def provision_services(admin_dsn: str) -> dict[str, str]:
    """Create each service's role and schema if missing; return each service's DSN."""
    admin = await asyncpg.connect(admin_dsn)
    try:
        for service in SERVICES:
            await ensure_role_and_schema(admin, service)
    finally:
        await admin.close()
    return {service: service_dsn(admin_dsn, service) for service in SERVICES}
