"""Applies a service's numbered .sql migrations to its own schema.

The kernel's migrations (outbox, inbox, due actions) come first, then the service's own.
Each applied file's checksum is recorded; an edited applied file is refused.
A Postgres advisory lock makes replicas that start together apply them once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

KERNEL_MIGRATIONS = Path(__file__).resolve().parents[1] / "messaging" / "migrations"
_FILE_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    source: str  # "kernel" or the service name
    version: str
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def read_migrations(source: str, folder: Path) -> list[Migration]:
    migrations = []
    for path in sorted(folder.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path}: migration files are named NNNN_words.sql")
        migrations.append(Migration(source, match.group(1), path.name, path.read_text("utf-8")))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"{folder}: two migrations share a version number")
    return migrations


async def apply_migrations(conn: asyncpg.Connection, *, schema: str, folder: Path) -> list[str]:
    """Apply what is pending; return the names applied. `conn` must own `schema`."""
    wanted = read_migrations("kernel", KERNEL_MIGRATIONS) + read_migrations(schema, folder)
    lock_key = f"campusflow.migrate.{schema}"
    await conn.execute("SELECT pg_advisory_lock(hashtext($1))", lock_key)
    try:
        await conn.execute(f'SET search_path TO "{schema}"')
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   source text NOT NULL, version text NOT NULL, name text NOT NULL,
                   checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
                   PRIMARY KEY (source, version))"""
        )
        rows = await conn.fetch("SELECT source, version, name, checksum FROM schema_migrations")
        applied = {(r["source"], r["version"]): r for r in rows}
        known = {(m.source, m.version): m for m in wanted}
        for key, row in applied.items():
            if key[0] in {"kernel", schema} and (
                key not in known or known[key].name != row["name"]
            ):
                raise MigrationError(
                    f"{row['source']}/{row['name']} was applied but its file is gone or renamed;"
                    " applied migrations stay as they are"
                )
        done: list[str] = []
        for migration in wanted:
            seen = applied.get((migration.source, migration.version))
            if seen is not None:
                if seen["checksum"] != migration.checksum:
                    raise MigrationError(
                        f"{migration.source}/{migration.name} was edited after it was applied "
                        f"(recorded checksum {seen['checksum'][:12]}…); add a new migration instead"
                    )
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (source, version, name, checksum)"
                    " VALUES ($1, $2, $3, $4)",
                    migration.source,
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            done.append(f"{migration.source}/{migration.name}")
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", lock_key)


async def migrate(dsn: str, *, schema: str, folder: Path) -> list[str]:
    conn = await asyncpg.connect(dsn)
    try:
        return await apply_migrations(conn, schema=schema, folder=folder)
    finally:
        await conn.close()
