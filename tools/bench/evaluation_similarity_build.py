"""How the similarity index's lookup B-tree builds under the build session's settings.

`python -m tools.bench.evaluation_similarity_build <admin-dsn> [reports] [rounds]
[memory/workers,...]`: a scratch schema gets evaluation's migrations and the fingerprints
of `reports` background reports (default 20,000: about 11 M rows, a fifth of the full
bench), loaded by COPY without indexes and analysed; then the B-tree `(college, hash)
INCLUDE (document_id, position)` is built again and again under each setting (`VARIANTS`
unless given; rounds interleaved, each starting one variant later, so a machine getting
busier weighs on every variant alike), each build timed from the client and its sort
described by PostgreSQL's `trace_sort` (internal or external, the memory it used). The
schema is dropped afterwards. Not part of `campusflow bench`.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import asyncpg

from tools.bench.evaluation_similarity_background import SEED, Background
from tools.bench.evaluation_similarity_load import COPY_HEADER, provision_scratch, write_prints
from tools.bench.pipeline import drop_schema

LOOKUP = (
    "CREATE INDEX similarity_fingerprints_lookup"
    " ON similarity_fingerprints (college, hash) INCLUDE (document_id, position)"
)


@dataclass(frozen=True)
class Variant:
    """The build session's settings."""

    maintenance_work_mem: str
    workers: int  # max_parallel_maintenance_workers

    @property
    def name(self) -> str:
        return f"{self.maintenance_work_mem}/{self.workers}w"


# The bench's own session (1GB, the server's 2 workers) first; 64MB is the server's
# default. At 20,000 reports (a fifth of the full index) an internal sort needs ~0.9 GB.
VARIANTS = (
    Variant("1GB", 2),
    Variant("64MB", 2),
    Variant("256MB", 2),
    Variant("64MB", 0),
)


async def time_builds(
    admin_dsn: str,
    *,
    reports: int,
    rounds: int,
    variants: tuple[Variant, ...] = VARIANTS,
    progress: Callable[[str], None] = print,
) -> dict[str, dict[str, object]]:
    schema = f"bench_similarity_build_{uuid4().hex[:8]}"
    try:
        dsn = await provision_scratch(admin_dsn, schema)
        conn = await asyncpg.connect(dsn)
        try:
            rows = await _load(conn, reports, progress)
            return await _builds(conn, rows, rounds, variants, progress)
        finally:
            await conn.close()
    finally:
        await drop_schema(admin_dsn, schema)


async def _load(conn: asyncpg.Connection, reports: int, progress: Callable[[str], None]) -> int:
    background = Background(SEED)
    rows = 0
    with tempfile.NamedTemporaryFile(prefix="similarity-build-", suffix=".copy") as copy_file:
        out = copy_file.file
        out.write(COPY_HEADER)
        for n in range(1, reports + 1):
            _, hashes, positions = background.report()
            write_prints(out, n, hashes, positions)
            rows += len(hashes)
        out.write(b"\xff\xff")
        out.flush()
        await conn.execute("DROP INDEX similarity_fingerprints_lookup")
        await conn.execute("DROP INDEX similarity_fingerprints_of_document")
        await conn.copy_to_table(
            "similarity_fingerprints",
            source=Path(copy_file.name),
            columns=["hash", "document_id", "position", "college"],
            format="binary",
        )
    await conn.execute("VACUUM (ANALYZE) similarity_fingerprints")
    progress(f"build: {reports:,} reports, {rows:,} fingerprints loaded")
    return rows


async def _builds(
    conn: asyncpg.Connection,
    rows: int,
    rounds: int,
    variants: tuple[Variant, ...],
    progress: Callable[[str], None],
) -> dict[str, dict[str, object]]:
    sorts: list[str] = []

    def listen(_: object, message: asyncpg.PostgresLogMessage) -> None:
        text = str(message.message)
        if " ended, " in text or "begin index sort" in text:
            sorts.append(text.split(": CPU:")[0])

    conn.add_log_listener(listen)
    timings: dict[str, list[float]] = {v.name: [] for v in variants}
    described: dict[str, list[str]] = {}
    for round_ in range(rounds):
        # each round starts one variant later: none always builds first
        turn = round_ % len(variants)
        for variant in variants[turn:] + variants[:turn]:
            await conn.execute("DROP INDEX IF EXISTS similarity_fingerprints_lookup")
            await conn.execute(f"SET maintenance_work_mem = '{variant.maintenance_work_mem}'")
            await conn.execute(f"SET max_parallel_maintenance_workers = {variant.workers}")
            await conn.execute("SET trace_sort = on")
            await conn.execute("SET client_min_messages = log")
            sorts.clear()
            started = time.perf_counter()
            await conn.execute(LOOKUP)
            elapsed = time.perf_counter() - started
            await conn.execute("RESET ALL")
            timings[variant.name].append(elapsed)
            described[variant.name] = list(sorts)
            progress(f"build: round {round_ + 1} {variant.name}: {elapsed:.1f} s")
    return {
        name: {
            "rows": rows,
            "median_s": round(statistics.median(times), 1),
            "runs_s": [round(t, 1) for t in times],
            "sorts": described[name],
        }
        for name, times in timings.items()
    }


def main() -> None:  # pragma: no cover - a manual run
    admin_dsn = sys.argv[1]
    reports = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    # e.g. "1GB/2,256MB/2": maintenance_work_mem/max_parallel_maintenance_workers
    variants = (
        tuple(
            Variant(memory, int(workers))
            for memory, workers in (v.split("/") for v in sys.argv[4].split(","))
        )
        if len(sys.argv) > 4
        else VARIANTS
    )
    timed = time_builds(admin_dsn, reports=reports, rounds=rounds, variants=variants)
    print(json.dumps(asyncio.run(timed)))


if __name__ == "__main__":  # pragma: no cover
    main()
