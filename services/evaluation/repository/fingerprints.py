"""SQL of the similarity gate's inverted index: documents, fingerprints, candidate lookup."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg


@dataclass(frozen=True)
class IndexedDocument:
    """A report version held in the index, with what the gate needs to judge a match."""

    document_id: int
    report_id: UUID
    version: int
    season: str
    author_ids: tuple[str, ...]


@dataclass(frozen=True)
class Posting:
    """Up to `limit` documents holding one hash (more than the cap means: common)."""

    hash: int
    document_ids: tuple[int, ...]
    positions: tuple[int, ...]


async def season_settings(
    conn: asyncpg.Connection, *, college: str, season: str
) -> tuple[float, str] | None:
    """(similarity threshold, template text) of a season."""
    row = await conn.fetchrow(
        "SELECT similarity_threshold, template_text FROM seasons"
        " WHERE college = $1 AND season = $2",
        college,
        season,
    )
    return None if row is None else (float(row["similarity_threshold"]), row["template_text"])


async def authors_of(conn: asyncpg.Connection, *, report_id: UUID) -> tuple[str, ...]:
    authors = await conn.fetchval("SELECT author_ids FROM reports WHERE report_id = $1", report_id)
    return tuple(authors or ())


async def documents_in_college(conn: asyncpg.Connection, *, college: str) -> int:
    return int(
        await conn.fetchval("SELECT count(*) FROM similarity_documents WHERE college = $1", college)
    )


async def postings(
    conn: asyncpg.Connection, *, college: str, hashes: Sequence[int], limit: int
) -> list[Posting]:
    """For each hash, at most `limit` (document, position) pairs of the college's index."""
    rows = await conn.fetch(
        """
        SELECT q.hash, p.document_ids, p.positions
          FROM (SELECT DISTINCT unnest($2::bigint[]) AS hash) AS q
          CROSS JOIN LATERAL (
                SELECT array_agg(f.document_id) AS document_ids,
                       array_agg(f.position) AS positions
                  FROM (SELECT document_id, position FROM similarity_fingerprints
                         WHERE college = $1 AND hash = q.hash LIMIT $3) AS f
          ) AS p
         WHERE p.document_ids IS NOT NULL
        """,
        college,
        list(hashes),
        limit,
    )
    return [
        Posting(row["hash"], tuple(row["document_ids"]), tuple(row["positions"])) for row in rows
    ]


async def documents(
    conn: asyncpg.Connection, *, document_ids: Sequence[int]
) -> list[IndexedDocument]:
    rows = await conn.fetch(
        """
        SELECT d.document_id, d.report_id, d.version, d.season, r.author_ids
          FROM similarity_documents AS d JOIN reports AS r USING (report_id)
         WHERE d.document_id = ANY($1::integer[])
        """,
        list(document_ids),
    )
    return [
        IndexedDocument(
            row["document_id"],
            row["report_id"],
            row["version"],
            row["season"],
            tuple(row["author_ids"]),
        )
        for row in rows
    ]


async def bodies(
    conn: asyncpg.Connection, *, versions: Sequence[tuple[UUID, int]]
) -> dict[tuple[UUID, int], str]:
    """The submitted text of each (report, version)."""
    if not versions:
        return {}
    rows = await conn.fetch(
        """
        SELECT v.report_id, v.version, v.body
          FROM unnest($1::uuid[], $2::integer[]) AS q (report_id, version)
          JOIN report_versions AS v USING (report_id, version)
        """,
        [r for r, _ in versions],
        [v for _, v in versions],
    )
    return {(row["report_id"], row["version"]): row["body"] for row in rows}


async def replace_document(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    report_id: UUID,
    version: int,
    prints: Sequence[tuple[int, int]],
    now: datetime,
) -> int:
    """Index this version of the report, dropping its earlier version's fingerprints.

    `prints` are (hash, position), one per distinct hash. Returns the new document id.
    """
    old = await conn.fetchval(
        "SELECT document_id FROM similarity_documents WHERE report_id = $1 FOR UPDATE",
        report_id,
    )
    if old is not None:
        await conn.execute("DELETE FROM similarity_fingerprints WHERE document_id = $1", old)
    document_id = await conn.fetchval(
        """
        INSERT INTO similarity_documents
               (report_id, document_id, college, season, version, fingerprints, indexed_at)
        VALUES ($1, nextval('similarity_document_ids'), $2, $3, $4, $5, $6)
        ON CONFLICT (report_id) DO UPDATE
           SET document_id = nextval('similarity_document_ids'), season = EXCLUDED.season,
               version = EXCLUDED.version, fingerprints = EXCLUDED.fingerprints,
               indexed_at = EXCLUDED.indexed_at
        RETURNING document_id
        """,
        report_id,
        college,
        season,
        version,
        len(prints),
        now,
    )
    await conn.execute(
        """
        INSERT INTO similarity_fingerprints (hash, document_id, position, college)
        SELECT p.hash, $3, p.position, $4
          FROM unnest($1::bigint[], $2::integer[]) AS p (hash, position)
        """,
        [h for h, _ in prints],
        [p for _, p in prints],
        document_id,
        college,
    )
    return int(document_id)


async def document_of(conn: asyncpg.Connection, *, report_id: UUID) -> int | None:
    """The document id under which the report's current version is indexed."""
    found = await conn.fetchval(
        "SELECT document_id FROM similarity_documents WHERE report_id = $1", report_id
    )
    return None if found is None else int(found)


async def known_common(
    conn: asyncpg.Connection, *, college: str, hashes: Sequence[int], cap: int
) -> set[int]:
    """Of these hashes, those already counted in more than `cap` reports of the college."""
    rows = await conn.fetch(
        "SELECT hash FROM similarity_common_hashes"
        " WHERE college = $1 AND hash = ANY($2::bigint[]) AND reports > $3",
        college,
        list(hashes),
        cap,
    )
    return {row["hash"] for row in rows}


async def record_common(conn: asyncpg.Connection, *, college: str, counts: dict[int, int]) -> None:
    """Hashes just found in more reports than the cap, with that count (a lower bound)."""
    await conn.execute(
        """
        INSERT INTO similarity_common_hashes (college, hash, reports)
        SELECT $1, c.hash, c.reports
          FROM unnest($2::bigint[], $3::integer[]) AS c (hash, reports)
         ORDER BY c.hash
        ON CONFLICT (college, hash) DO UPDATE
           SET reports = greatest(similarity_common_hashes.reports, EXCLUDED.reports),
               counted_at = now()
        """,
        college,
        list(counts),
        list(counts.values()),
    )
