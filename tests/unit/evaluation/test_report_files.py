"""Report files kept in a directory (repository/files.py) on the real file system, and the
setting that turns it on."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.evaluation.repository import files
from services.evaluation.settings import EvaluationSettings

pytestmark = pytest.mark.unit

DATA = "社会实践报告".encode() * 100
SHA = hashlib.sha256(DATA).hexdigest()


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def _kept(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*") if p.is_file())


async def test_a_file_is_kept_under_its_hash_and_read_back(tmp_path: Path) -> None:
    path = await files.keep(tmp_path, SHA, DATA)
    assert path == tmp_path / SHA[:2] / SHA and path.read_bytes() == DATA
    assert await files.read(tmp_path, SHA) == DATA
    assert _kept(tmp_path) == [SHA]  # no temporary file left
    assert _mode(path) == 0o644  # readable by a backup, not only the service's user


async def test_the_same_bytes_twice_and_at_once_are_kept_once(tmp_path: Path) -> None:
    await asyncio.gather(*(files.keep(tmp_path, SHA, DATA) for _ in range(8)))
    assert _kept(tmp_path) == [SHA]
    assert await files.read(tmp_path, SHA) == DATA


async def test_bytes_that_do_not_match_their_hash_are_not_kept(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="do not match"):
        await files.keep(tmp_path, SHA, DATA + b"x")
    assert _kept(tmp_path) == []
    with pytest.raises(ValueError, match="SHA-256"):
        files.path_of(tmp_path, "../../etc/passwd")


async def test_a_missing_or_changed_file_is_never_served(tmp_path: Path) -> None:
    with pytest.raises(files.FileUnavailable, match="cannot be read"):
        await files.read(tmp_path, SHA)
    path = await files.keep(tmp_path, SHA, DATA)
    path.write_bytes(DATA[:-1] + b"!")
    with pytest.raises(files.FileUnavailable, match="no longer has the bytes"):
        await files.read(tmp_path, SHA)
    # Keeping the same bytes again mends it.
    await files.keep(tmp_path, SHA, DATA)
    assert await files.read(tmp_path, SHA) == DATA


async def test_without_a_directory_a_kept_file_cannot_be_served() -> None:
    with pytest.raises(files.FileUnavailable, match="EVALUATION_FILES_DIR is not set"):
        await files.read(None, SHA)


def _environment(monkeypatch: pytest.MonkeyPatch, **more: str) -> None:
    """The evaluation service's required settings, and `more`, in its environment."""
    for name, value in {
        "ENVIRONMENT": "test",
        "DATABASE_URL": "postgresql://u@localhost/db",
        "KAFKA_BOOTSTRAP": "localhost:9092",
        "REDIS_URL": "redis://localhost:6379/0",
        "JWT_SECRET": "a-test-secret-of-thirty-two-bytes!!",
        **more,
    }.items():
        monkeypatch.setenv(f"EVALUATION_{name}", value)


def test_the_files_directory_must_be_absolute(monkeypatch: pytest.MonkeyPatch) -> None:
    _environment(monkeypatch)
    monkeypatch.setenv("EVALUATION_FILES_DIR", "relative/files")
    with pytest.raises(ValidationError, match="absolute"):
        EvaluationSettings()
    monkeypatch.setenv("EVALUATION_FILES_DIR", "/srv/campusflow/report-files")
    assert EvaluationSettings().files_dir == Path("/srv/campusflow/report-files")
    monkeypatch.delenv("EVALUATION_FILES_DIR")
    assert EvaluationSettings().files_dir is None


def test_the_body_limit_holds_an_upload_and_its_envelope(monkeypatch: pytest.MonkeyPatch) -> None:
    _environment(monkeypatch, UPLOAD_MAX_BYTES=str(1024 * 1024))
    monkeypatch.setenv("EVALUATION_MAX_BODY_BYTES", str(1024 * 1024))  # no room for the rest
    with pytest.raises(ValidationError, match="multipart envelope"):
        EvaluationSettings()
    monkeypatch.setenv("EVALUATION_MAX_BODY_BYTES", str(1024 * 1024 + 64 * 1024))
    assert EvaluationSettings().max_body_bytes == 1024 * 1024 + 64 * 1024
