"""Gives each service its own role and schema (what an operator does once per database).

In Kubernetes, CloudNativePG declares the same roles; locally the stack does it.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import asyncpg

from shared.config import SERVICES


def service_dsn(admin_dsn: str, service: str) -> str:
    """The admin DSN with the service's own role (password = role name, local only)."""
    parts = urlsplit(admin_dsn)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{service}:{service}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


async def provision_services(admin_dsn: str) -> dict[str, str]:
    """Create each service's role and schema if missing; return each service's DSN."""
    conn = await asyncpg.connect(admin_dsn)
    try:
        for service in SERVICES:
            exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", service)
            if not exists:
                await conn.execute(f"CREATE ROLE {service} LOGIN PASSWORD '{service}'")
            await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {service} AUTHORIZATION {service}")
            await conn.execute(f"ALTER ROLE {service} SET search_path = {service}")
    finally:
        await conn.close()
    return {service: service_dsn(admin_dsn, service) for service in SERVICES}
