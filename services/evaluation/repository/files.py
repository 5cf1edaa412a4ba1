"""Uploaded report files kept in a directory instead of PostgreSQL (`EVALUATION_FILES_DIR`).

A file is named by its SHA-256, `<dir>/<first two hex digits>/<sha256>`, so the same file
uploaded twice is kept once and a name always says what its bytes must be. It is written
to a temporary name in the same folder, flushed to disk and renamed, so a reader never
sees half a file; a file already there under its name is kept when its bytes check out,
and replaced when they do not. Reading checks the bytes against the name: a file that is
missing or whose bytes changed is `FileUnavailable`, never served.

The file is written before the version's row commits: a transaction that then fails
leaves a file no version names (harmless, and the next upload of the same bytes reuses
it); a committed version always has its file. The version's row keeps the hash and the
text either way (`report_versions.sha256`, `body`), its `file` column NULL.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from pathlib import Path

_SHA256 = re.compile(r"[0-9a-f]{64}")


class FileUnavailable(RuntimeError):
    """A version's file cannot be served: not there, changed on disk, or no directory."""


def path_of(directory: Path, sha256: str) -> Path:
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a SHA-256 in hex: {sha256!r}")
    return directory / sha256[:2] / sha256


async def keep(directory: Path, sha256: str, data: bytes) -> Path:
    """Keep the file under its hash; the hash must be the bytes'."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError("the file's bytes do not match its hash")
    return await asyncio.to_thread(_keep, directory, sha256, data)


async def read(directory: Path | None, sha256: str) -> bytes:
    """The file kept under this hash, its bytes checked."""
    if directory is None:
        raise FileUnavailable(
            f"file {sha256} is kept in a files directory, and EVALUATION_FILES_DIR is not set"
            " on this replica"
        )
    return await asyncio.to_thread(_read, directory, sha256)


def _keep(directory: Path, sha256: str, data: bytes) -> Path:
    target = path_of(directory, sha256)
    if _intact(directory, sha256):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{sha256[:8]}-")
    try:
        with os.fdopen(handle, "wb") as out:
            os.fchmod(out.fileno(), 0o644)  # mkstemp's 0600 would keep backups out
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself reaches the disk
    finally:
        os.close(folder)
    return target


def _read(directory: Path, sha256: str) -> bytes:
    target = path_of(directory, sha256)
    try:
        data = target.read_bytes()
    except OSError as error:
        raise FileUnavailable(f"file {sha256} cannot be read from {target}: {error}") from error
    if hashlib.sha256(data).hexdigest() != sha256:
        raise FileUnavailable(f"file {target} no longer has the bytes of its hash {sha256}")
    return data


def _intact(directory: Path, sha256: str) -> bool:
    try:
        _read(directory, sha256)
    except FileUnavailable:
        return False
    return True
