"""The migration runner on the real PostgreSQL: once with replicas, checksums enforced."""

from __future__ import annotations

import asyncio
from pathlib import Path
from uuid import uuid4

import asyncpg
import pytest

from shared.db.migrations import KERNEL_MIGRATIONS, MigrationError, migrate, read_migrations
from tools.stack import StackEndpoints

pytestmark = pytest.mark.integration


async def fresh_schema(admin_dsn: str) -> str:
    schema = f"migrate_{uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f"CREATE SCHEMA {schema}")
    finally:
        await conn.close()
    return schema


async def test_replicas_starting_together_apply_each_migration_once(
    stack: StackEndpoints, tmp_path: Path
) -> None:
    (tmp_path / "0001_counter.sql").write_text(
        "CREATE TABLE counter (n int); INSERT INTO counter VALUES (0);"
    )
    (tmp_path / "0002_bump.sql").write_text("UPDATE counter SET n = n + 1;")
    schema = await fresh_schema(stack.postgres_admin_dsn)
    results = await asyncio.gather(
        *(migrate(stack.postgres_admin_dsn, schema=schema, folder=tmp_path) for _ in range(4))
    )
    expected = len(read_migrations("kernel", KERNEL_MIGRATIONS)) + 2
    assert sorted(len(applied) for applied in results) == [0, 0, 0, expected]
    conn = await asyncpg.connect(stack.postgres_admin_dsn)
    try:
        assert await conn.fetchval(f"SELECT n FROM {schema}.counter") == 1
        count = await conn.fetchval(f"SELECT count(*) FROM {schema}.schema_migrations")
        assert count == expected
    finally:
        await conn.close()


async def test_an_applied_migration_that_was_edited_is_refused(
    stack: StackEndpoints, tmp_path: Path
) -> None:
    migration = tmp_path / "0001_table.sql"
    migration.write_text("CREATE TABLE t (a int);")
    schema = await fresh_schema(stack.postgres_admin_dsn)
    await migrate(stack.postgres_admin_dsn, schema=schema, folder=tmp_path)
    migration.write_text("CREATE TABLE t (a int, b int);")
    with pytest.raises(MigrationError, match="edited after it was applied"):
        await migrate(stack.postgres_admin_dsn, schema=schema, folder=tmp_path)


async def test_a_service_role_cannot_touch_another_services_schema(
    service_dsns: dict[str, str],
) -> None:
    conn = await asyncpg.connect(service_dsns["notifications"])
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.fetch("SELECT * FROM recruitment.applications")
    finally:
        await conn.close()


async def test_an_applied_migration_that_was_deleted_or_renamed_is_refused(
    stack: StackEndpoints, tmp_path: Path
) -> None:
    migration = tmp_path / "0001_table.sql"
    migration.write_text("CREATE TABLE t (a int);")
    schema = await fresh_schema(stack.postgres_admin_dsn)
    await migrate(stack.postgres_admin_dsn, schema=schema, folder=tmp_path)
    migration.rename(tmp_path / "0001_renamed.sql")
    with pytest.raises(MigrationError, match="gone or renamed"):
        await migrate(stack.postgres_admin_dsn, schema=schema, folder=tmp_path)
    (tmp_path / "0001_renamed.sql").unlink()
    with pytest.raises(MigrationError, match="gone or renamed"):
        await migrate(stack.postgres_admin_dsn, schema=schema, folder=tmp_path)
