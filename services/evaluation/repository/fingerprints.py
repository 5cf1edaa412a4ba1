"""SQL of the similarity gate's inverted index: documents, fingerprints, candidate lookup."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from services.evaluation.domain.similarity_candidates import Posting


@dataclass(frozen=True)
class IndexedDocument:
    """A report version held in the index, with what the gate needs to judge a match."""

    document_id: int
    report_id: UUID
    version: int
    season: str
    author_ids: tuple[str, ...]


@dataclass
class Lookup:
    """What the index holds of a report's hashes: the postings of those held by at most
    `cap` reports, and the common ones (more than `cap`): already known from the stop
    table, or found now with the number of reports holding them. Read in the same
    snapshot: the document of the report's own indexed version (`itself`) and those of
    every other report of the college sharing an author with it (`own`: the authors' own
    earlier work)."""

    postings: list[Posting]
    known_common: set[int]
    found_common: dict[int, int]
    itself: int | None
    own: set[int]


@dataclass(frozen=True)
class SourceDocument:
    """A candidate to verify: its indexed version and that version's submitted text."""

    document: IndexedDocument
    body: str


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


async def documents_in_college(conn: asyncpg.Connection, *, college: str) -> int:
    return int(
        await conn.fetchval("SELECT count(*) FROM similarity_documents WHERE college = $1", college)
    )


async def lookup(
    conn: asyncpg.Connection, *, college: str, report_id: UUID, hashes: Sequence[int], cap: int
) -> Lookup:
    """The college's postings of these hashes in one index scan (`hash = ANY`), grouped by
    hash. A hash the stop table already holds as common (counted in more than `cap`
    reports) is not read; a hash found in more than `cap` reports now comes back with its
    count only. In the same statement (one snapshot, so a report re-indexed meanwhile is
    seen the same way by both): the documents of the report itself and of its authors'
    other reports."""
    rows = await conn.fetch(
        """
        WITH mine AS (
            SELECT d.document_id, r.report_id = me.report_id AS itself
              FROM reports AS me
              JOIN reports AS r ON r.college = me.college AND r.author_ids && me.author_ids
              JOIN similarity_documents AS d ON d.report_id = r.report_id
             WHERE me.report_id = $4 AND me.college = $1
        ), known AS (
            SELECT hash FROM similarity_common_hashes
             WHERE college = $1 AND hash = ANY($2::bigint[]) AND reports > $3
        ), rare AS (
            SELECT array_agg(q.hash ORDER BY q.hash) AS hashes
              FROM unnest($2::bigint[]) AS q (hash)
             WHERE q.hash NOT IN (SELECT hash FROM known)
        )
        SELECT f.hash, count(*)::integer AS reports,
               CASE WHEN count(*) <= $3 THEN array_agg(f.document_id) END AS document_ids,
               CASE WHEN count(*) <= $3 THEN array_agg(f.position) END AS positions,
               NULL::boolean AS itself
          FROM similarity_fingerprints AS f
         WHERE f.college = $1 AND f.hash = ANY((SELECT hashes FROM rare)::bigint[])
         GROUP BY f.hash
        UNION ALL
        SELECT hash, NULL, NULL, NULL, NULL FROM known
        UNION ALL
        SELECT NULL, NULL, ARRAY[document_id], NULL, itself FROM mine
        """,
        college,
        list(hashes),
        cap,
        report_id,
    )
    found = Lookup([], set(), {}, None, set())
    for row in rows:
        if row["itself"] is not None:
            (document_id,) = row["document_ids"]
            if row["itself"]:
                found.itself = document_id
            else:
                found.own.add(document_id)
        elif row["reports"] is None:
            found.known_common.add(row["hash"])
        elif row["document_ids"] is None:
            found.found_common[row["hash"]] = row["reports"]
        else:
            found.postings.append(
                Posting(row["hash"], tuple(row["document_ids"]), tuple(row["positions"]))
            )
    return found


async def sources(
    conn: asyncpg.Connection, *, college: str, document_ids: Sequence[int]
) -> dict[int, SourceDocument]:
    """The indexed documents with their versions' submitted text, by document id. A
    document id names one indexed version (a new version gets a new id), so the text is
    that of the version whose fingerprints were looked up; a document replaced since is
    missing from the answer."""
    rows = await conn.fetch(
        """
        SELECT d.document_id, d.report_id, d.version, d.season, r.author_ids, v.body
          FROM similarity_documents AS d
          JOIN reports AS r USING (report_id)
          JOIN report_versions AS v ON v.report_id = d.report_id AND v.version = d.version
         WHERE d.document_id = ANY($1::integer[]) AND d.college = $2
        """,
        list(document_ids),
        college,
    )
    return {
        row["document_id"]: SourceDocument(
            IndexedDocument(
                row["document_id"],
                row["report_id"],
                row["version"],
                row["season"],
                tuple(row["author_ids"]),
            ),
            row["body"],
        )
        for row in rows
    }


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
