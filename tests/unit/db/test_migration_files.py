"""Migration files: numbered, unique, and every service has its folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.config import SERVICES
from shared.db.migrations import KERNEL_MIGRATIONS, MigrationError, read_migrations
from tools.stack.bootstrap import migrations_folder

pytestmark = pytest.mark.unit


def test_every_service_has_readable_migrations() -> None:
    assert read_migrations("kernel", KERNEL_MIGRATIONS)
    for service in SERVICES:
        assert read_migrations(service, migrations_folder(service))


def test_badly_named_migration_is_refused(tmp_path: Path) -> None:
    (tmp_path / "1_init.sql").write_text("select 1")
    with pytest.raises(MigrationError, match=r"NNNN_words\.sql"):
        read_migrations("x", tmp_path)


def test_two_migrations_with_one_number_are_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("select 1")
    (tmp_path / "0001_b.sql").write_text("select 2")
    with pytest.raises(MigrationError, match="share a version"):
        read_migrations("x", tmp_path)
