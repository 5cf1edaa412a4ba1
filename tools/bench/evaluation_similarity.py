"""The similarity gate benchmark (`campusflow bench evaluation`): an index of 100,000
reports in PostgreSQL, one report checked against it, recall and false flags.

A scratch schema gets evaluation's migrations. One college holds 100,000 background
reports of ~3,000 characters (seed-made Chinese prose, `evaluation_similarity_corpus`,
each with the committee's template, a references section and a few sentences of common
report phrasing) plus the labelled sources. Reports, versions (with their text) and
documents are loaded with COPY (`evaluation_similarity_load`); the fingerprints are
written to a binary COPY file first and `index_build_s` times what the database does:
COPY of the fingerprints, the lookup B-tree and BRIN built, VACUUM ANALYZE.

The background reports' fingerprints are made fast (vectorised, see
`evaluation_similarity_background`); the labelled sources, copies and negatives go
through the gate's own code (`prepare`, `check_submission`).

`similarity_p95_ms` is the gate's read half for one ~3,000-character report: prepare it
against the template, look up its fingerprints, fetch and verify the candidates.
Positives copy runs of 13–250 characters of one source covering 10–40% of the report,
as they were, lightly edited, in Traditional script, or with punctuation changed:
recall = share flagged AND naming their source. Negatives are unrelated reports sharing
the template, the references and common phrasing: false flags = share flagged.
"""

from __future__ import annotations

import asyncio
import gc
import math
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import numpy as np

from services.evaluation.domain.similarity import (
    Template,
    prepare,
)
from services.evaluation.service.similarity import GateLimits, check_submission
from shared.db.provision import service_dsn
from tools.bench.evaluation_similarity_background import (
    SEED,
    VERY_COMMON,
    Background,
    check_fast_winnow,
    common_phrases,
)
from tools.bench.evaluation_similarity_corpus import (
    REFERENCES,
    TEMPLATE,
    copy_into,
    full_report,
    synthetic_body,
)
from tools.bench.evaluation_similarity_load import (
    COLLEGE,
    COPY_HEADER,
    SEASON,
    Loaded,
    load,
    provision_scratch,
    write_prints,
)
from tools.bench.pipeline import drop_schema

GOAL_P95_MS = 200.0


@dataclass(frozen=True)
class Size:
    background: int
    sources: int
    positives: int
    negatives: int


FULL = Size(background=100_000, sources=120, positives=160, negatives=200)
QUICK = Size(background=5_000, sources=60, positives=64, negatives=80)


# --- the run ------------------------------------------------------------------------------


async def run_similarity_bench(
    admin_dsn: str, *, quick: bool, progress: Callable[[str], None] = print, keep: bool = False
) -> dict[str, float | int]:
    """Build the index in a scratch schema, time the gate, measure recall and false flags."""
    size = QUICK if quick else FULL
    schema = f"bench_similarity_{uuid4().hex[:8]}"
    progress(f"similarity: scratch schema {schema} with evaluation's migrations")
    if keep:
        progress(f"similarity: keeping {schema} (DSN {service_dsn(admin_dsn, schema)})")
    try:
        dsn = await provision_scratch(admin_dsn, schema)
        return await _run(dsn, size, progress)
    finally:
        if not keep:
            await drop_schema(admin_dsn, schema)


async def _run(dsn: str, size: Size, progress: Callable[[str], None]) -> dict[str, float | int]:
    check_fast_winnow()
    now = datetime(2026, 9, 20, 2, 0, tzinfo=UTC)
    rng = random.Random(SEED)
    template = Template.of([TEMPLATE])
    background = Background(SEED)
    loaded: list[Loaded] = []
    total_prints = 0
    started = time.perf_counter()
    with tempfile.NamedTemporaryFile(prefix="similarity-prints-", suffix=".copy") as copy_file:
        out = copy_file.file
        out.write(COPY_HEADER)
        for n in range(1, size.background + 1):
            text, hashes, positions = background.report()
            write_prints(out, n, hashes, positions)
            loaded.append(Loaded(uuid4(), n, text, len(hashes)))
            total_prints += len(hashes)
            if n % 10_000 == 0:
                progress(f"similarity: {n:,} background reports fingerprinted")
        sources: list[Loaded] = []
        for i in range(size.sources):
            text = full_report(synthetic_body(rng))
            prepared = prepare("source", text, template)
            first: dict[int, int] = {}
            for f in prepared.fingerprints:
                first.setdefault(f.hash, f.position)
            document_id = size.background + 1 + i
            write_prints(
                out,
                document_id,
                np.array(list(first), dtype=np.int64),
                np.array(list(first.values()), dtype=np.int64),
            )
            item = Loaded(uuid4(), document_id, text, len(first))
            sources.append(item)
            loaded.append(item)
            total_prints += len(first)
        out.write(b"\xff\xff")
        out.flush()
        fingerprint_s = time.perf_counter() - started
        progress(
            f"similarity: {len(loaded):,} reports, {total_prints:,} fingerprints "
            f"in {fingerprint_s:.0f} s; loading"
        )
        conn = await asyncpg.connect(dsn)
        try:
            index_build_s, corpus_s = await load(conn, loaded, Path(copy_file.name), now, progress)
        finally:
            await conn.close()
    progress(
        f"similarity: reports loaded in {corpus_s:.1f} s, index built in {index_build_s:.1f} s"
    )
    # The corpus now lives in PostgreSQL: the bench's own copy (100,000 texts and their
    # objects, which no service process holds) is let go, so that the collector's full
    # passes over it do not land in the gate's timings; the sources stay for the labels.
    indexed = len(loaded)
    del loaded, background
    gc.collect()
    conn = await asyncpg.connect(dsn)
    try:
        figures = await _measure(conn, size, sources, rng, progress)
    finally:
        await conn.close()
    return {
        "index_build_s": round(index_build_s, 2),
        **figures,
        "similarity_index_reports": indexed,
        "similarity_index_fingerprints": total_prints,
        "similarity_fingerprint_s": round(fingerprint_s, 1),
        "similarity_corpus_load_s": round(corpus_s, 1),
    }


async def _measure(
    conn: asyncpg.Connection,
    size: Size,
    sources: list[Loaded],
    rng: random.Random,
    progress: Callable[[str], None],
) -> dict[str, float | int]:
    limits = GateLimits()
    phrases = [p.text for p in common_phrases()]
    timings: list[float] = []

    async def timed(text: str) -> Any:
        started = time.perf_counter()
        _, outcome = await check_submission(
            conn, college=COLLEGE, season=SEASON, report_id=uuid4(), body=text, limits=limits
        )
        timings.append((time.perf_counter() - started) * 1000)
        return outcome

    def with_phrases(body: str) -> str:
        chosen = rng.sample(phrases[:VERY_COMMON], 2) + rng.sample(phrases[VERY_COMMON:], 1)
        parts = body.split("。")
        for phrase in chosen:
            parts.insert(rng.randrange(len(parts) + 1), phrase.rstrip("。"))
        return "。".join(parts)

    # warm-up: connections, plans, the template's hashes
    await timed(full_report(synthetic_body(rng)))
    timings.clear()
    found = 0
    modes = ("plain", "edit", "t2s", "punct")
    shares = (0.10, 0.15, 0.25, 0.40)
    missed: list[str] = []
    for i in range(size.positives):
        source = sources[i % len(sources)]
        source_body = source.text[len(TEMPLATE) + 2 : -len(REFERENCES)]
        mode, share = modes[i % 4], shares[(i // 4) % 4]
        host, _ = copy_into(with_phrases(synthetic_body(rng)), source_body, rng, share, mode)
        outcome = await timed(full_report(host))
        named = str(source.report_id) in {m.source_id for m in outcome.result.matches}
        if outcome.flagged and named:
            found += 1
        else:
            missed.append(f"{mode}@{share:.2f}: containment {outcome.result.containment:.3f}")
    progress(
        f"similarity: recall {found}/{size.positives}" + (f" missed {missed[:5]}" if missed else "")
    )
    false_flags = 0
    for _ in range(size.negatives):
        outcome = await timed(full_report(with_phrases(synthetic_body(rng))))
        false_flags += outcome.flagged
    progress(f"similarity: false flags {false_flags}/{size.negatives}")
    ordered = sorted(timings)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    p50 = ordered[len(ordered) // 2]
    progress(f"similarity: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(ordered)} checks")
    return {
        "similarity_p95_ms": round(p95, 1),
        "similarity_recall": round(found / size.positives, 4),
        "similarity_false_flag_rate": round(false_flags / size.negatives, 4),
        "similarity_p50_ms": round(p50, 1),
        "similarity_samples": len(ordered),
    }


def main() -> None:  # pragma: no cover - a manual run: python -m tools.bench.evaluation_similarity
    import json
    import sys

    admin_dsn = sys.argv[1]
    quick = "--quick" in sys.argv
    keep = "--keep" in sys.argv
    print(json.dumps(asyncio.run(run_similarity_bench(admin_dsn, quick=quick, keep=keep))))


if __name__ == "__main__":  # pragma: no cover
    main()
