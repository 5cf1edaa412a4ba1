"""The similarity bench's bulk load: the corpus into a scratch schema's tables with COPY
(reports, versions with their text, documents), the fingerprints from a binary COPY file,
then the lookup B-tree and BRIN built and the tables vacuumed and analysed, each step's
time printed. `index_build_s` is what `load` times after the corpus is in."""

from __future__ import annotations

import hashlib
import shutil
import struct
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from uuid import UUID

import asyncpg
import numpy as np

from shared.db.provision import provision_schema
from tools.bench.evaluation_similarity_corpus import TEMPLATE

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "evaluation" / "migrations"
COLLEGE = "bench"
SEASON = "2026-autumn"
THRESHOLD = 0.08


async def provision_scratch(admin_dsn: str, schema: str) -> str:
    """A scratch schema (and role) with evaluation's migrations; returns its DSN."""
    folder = Path(tempfile.mkdtemp(prefix="similarity-migrations-"))
    try:
        for migration in sorted(MIGRATIONS.glob("*.sql")):
            # the first names the service's own schema; the scratch schema stands in
            sql = migration.read_text("utf-8").replace("SCHEMA evaluation ", f"SCHEMA {schema} ")
            (folder / migration.name).write_text(sql, "utf-8")
        return await provision_schema(admin_dsn, schema, migrations=folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- COPY files -------------------------------------------------------------------------

_PRINT_ROW = np.dtype(
    [
        ("n", ">i2"),
        ("l1", ">i4"),
        ("hash", ">i8"),
        ("l2", ">i4"),
        ("doc", ">i4"),
        ("l3", ">i4"),
        ("pos", ">i4"),
        ("l4", ">i4"),
        ("college", f"S{len(COLLEGE)}"),
    ]
)
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)


def write_prints(
    out: IO[bytes], document_id: int, hashes: np.ndarray, positions: np.ndarray
) -> None:
    rows = np.empty(len(hashes), dtype=_PRINT_ROW)
    rows["n"] = 4
    rows["l1"] = 8
    rows["hash"] = hashes
    rows["l2"] = 4
    rows["doc"] = document_id
    rows["l3"] = 4
    rows["pos"] = positions
    rows["l4"] = len(COLLEGE)
    rows["college"] = COLLEGE.encode()
    out.write(rows.tobytes())


@dataclass
class Loaded:
    report_id: UUID
    document_id: int
    text: str
    prints: int


def _report_rows(loaded: list[Loaded], now: datetime) -> Iterator[tuple[Any, ...]]:
    for item in loaded:
        yield (
            COLLEGE,
            item.report_id,
            SEASON,
            "individual",
            f"s{item.document_id:06d}",
            [f"s{item.document_id:06d}"],
            now,
            1,
            now,
        )


def _version_rows(loaded: list[Loaded], now: datetime) -> Iterator[tuple[Any, ...]]:
    for item in loaded:
        yield (
            item.report_id,
            1,
            COLLEGE,
            f"s{item.document_id:06d}",
            now,
            False,
            "text",
            hashlib.sha256(item.text.encode()).hexdigest(),
            item.text,
            len(item.text),
        )


class _Steps:
    """Prints how long each step of the index build took."""

    def __init__(self, progress: Callable[[str], None]) -> None:
        self.progress = progress
        self.last = time.perf_counter()

    def __call__(self, what: str) -> None:
        now = time.perf_counter()
        self.progress(f"similarity: {what} in {now - self.last:.1f} s")
        self.last = now


async def load(
    conn: asyncpg.Connection,
    loaded: list[Loaded],
    prints: Path,
    now: datetime,
    progress: Callable[[str], None],
) -> tuple[float, float]:
    started = time.perf_counter()
    await conn.execute(
        """
        INSERT INTO seasons (college, season, title, term_starts_on, opens_at, closes_at,
                             template_text, similarity_threshold, created_at, updated_at)
        VALUES ($1, $2, 'bench', $3, $4, $5, $6, $7, $4, $4)
        """,
        COLLEGE,
        SEASON,
        date(2026, 9, 7),
        now - timedelta(days=14),
        now + timedelta(days=1),
        TEMPLATE,
        THRESHOLD,
    )
    await conn.copy_records_to_table(
        "reports",
        records=_report_rows(loaded, now),
        columns=[
            "college",
            "report_id",
            "season",
            "kind",
            "submitter_id",
            "author_ids",
            "expected_at",
            "current_version",
            "first_submitted_at",
        ],
    )
    await conn.copy_records_to_table(
        "report_versions",
        records=_version_rows(loaded, now),
        columns=[
            "report_id",
            "version",
            "college",
            "submitted_by",
            "submitted_at",
            "late",
            "source",
            "sha256",
            "body",
            "characters",
        ],
    )
    corpus_s = time.perf_counter() - started
    started = time.perf_counter()
    step = _Steps(progress)
    # The B-tree's sort is fastest in runs of modest size, two workers beside the
    # session: at 20,000 and 30,000 reports (11.3 M, 17.0 M fingerprints) 256MB built it
    # in 30.2 s and 54.8 s (medians, interleaved rounds) where 1GB took 39.3 s and 75.5 s
    # (python -m tools.bench.evaluation_similarity_build); without workers, 64MB took 37.7 s
    # where two made it 27.3 s. More memory never helped.
    await conn.execute("SET maintenance_work_mem = '256MB'")
    await conn.execute("SET max_parallel_maintenance_workers = 2")
    await conn.execute("DROP INDEX similarity_fingerprints_lookup")
    await conn.execute("DROP INDEX similarity_fingerprints_of_document")
    await conn.copy_records_to_table(
        "similarity_documents",
        records=((i.report_id, i.document_id, COLLEGE, SEASON, 1, i.prints, now) for i in loaded),
        columns=[
            "report_id",
            "document_id",
            "college",
            "season",
            "version",
            "fingerprints",
            "indexed_at",
        ],
    )
    await conn.copy_to_table(
        "similarity_fingerprints",
        source=prints,
        columns=["hash", "document_id", "position", "college"],
        format="binary",
    )
    step("documents and fingerprints copied")
    await conn.execute(
        "CREATE INDEX similarity_fingerprints_lookup"
        " ON similarity_fingerprints (college, hash) INCLUDE (document_id, position)"
    )
    step("lookup B-tree built")
    await conn.execute(
        "CREATE INDEX similarity_fingerprints_of_document"
        " ON similarity_fingerprints USING brin (document_id) WITH (pages_per_range = 8)"
    )
    await conn.execute("SELECT setval('similarity_document_ids', $1)", len(loaded))
    step("BRIN built")
    for table in ("similarity_fingerprints", "similarity_documents", "reports", "report_versions"):
        await conn.execute(f"VACUUM (ANALYZE) {table}")
    step("vacuumed and analysed")
    return time.perf_counter() - started, corpus_s
