"""The similarity gate at submission: index the version, find and verify matches, flag.

Candidates come from the college's inverted index (this season's cohort and every past
season): all of the submission's fingerprints in one index scan, a fingerprint's postings
returned only when it is in at most `cap` reports; one found in more is common phrasing,
counted in SQL and ignored
(`cap` = the larger of `similarity_common_min_reports` and `similarity_common_share` of
the college's indexed reports). Template text and the references section never yield
fingerprints (the domain's `prepare`). The reports sharing the most fingerprints are
verified exactly on their submitted text (the domain's `check`); a report never matches
itself, and a report sharing an author with this one is the authors' own earlier work,
not counted. Containment above the season's threshold flags the report for the chair.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import chain
from typing import Any
from uuid import UUID

import asyncpg

from services.evaluation.domain.similarity import (
    DEFAULT_K,
    Fingerprint,
    PreparedReport,
    SimilarityResult,
    SourceMatch,
    Template,
    check,
    prepare,
)
from services.evaluation.domain.similarity_text import body_end, normalise
from services.evaluation.repository import fingerprints as index
from services.evaluation.repository import integrity as results
from services.evaluation.service import SOURCE
from services.evaluation.settings import EvaluationSettings
from shared.events.evaluation import SimilarityFlagged, SimilarSource
from shared.messaging.outbox import append_to_outbox
from shared.rules import NotFound

_FIELDS = EvaluationSettings.model_fields


@dataclass(frozen=True)
class GateLimits:
    """The gate's settings (EvaluationSettings' similarity_* values)."""

    common_share: float = float(_FIELDS["similarity_common_share"].default)
    common_min_reports: int = int(_FIELDS["similarity_common_min_reports"].default)
    max_sources: int = int(_FIELDS["similarity_max_sources"].default)

    @classmethod
    def of(cls, settings: EvaluationSettings) -> GateLimits:
        return cls(
            settings.similarity_common_share,
            settings.similarity_common_min_reports,
            settings.similarity_max_sources,
        )

    def cap(self, documents: int) -> int:
        """More reports than this holding a fingerprint make it common phrasing."""
        return max(self.common_min_reports, math.ceil(self.common_share * documents))

    @property
    def candidates(self) -> int:
        """How many of the best-sharing reports are verified exactly."""
        return 3 * self.max_sources


@dataclass(frozen=True)
class GateOutcome:
    """What the gate found for one version (also what the bench measures)."""

    result: SimilarityResult
    threshold: float
    flagged: bool
    ignored_fingerprints: int
    sources: dict[str, index.IndexedDocument]
    candidates: int
    characters: int
    texts: dict[str, str]


_TEMPLATES: dict[str, Template] = {}


def template_of(text: str) -> Template:
    """The season's template, hashed once per text."""
    template = _TEMPLATES.get(text)
    if template is None:
        if len(_TEMPLATES) > 64:
            _TEMPLATES.clear()
        template = _TEMPLATES[text] = Template.of([text]) if text.strip() else Template(frozenset())
    return template


# How many reports a college's index holds, re-counted at most every few seconds: the
# common-phrasing cap moves with it only once past a few hundred reports.
_COUNT_TTL_S = 10.0
_COUNTS: dict[str, tuple[int, float]] = {}


async def _documents_in_college(conn: asyncpg.Connection, college: str) -> int:
    cached = _COUNTS.get(college)
    if cached is not None and time.monotonic() - cached[1] < _COUNT_TTL_S:
        return cached[0]
    count = await index.documents_in_college(conn, college=college)
    if len(_COUNTS) > 1000:
        _COUNTS.clear()
    _COUNTS[college] = (count, time.monotonic())
    return count


@dataclass(frozen=True)
class Seeds:
    """The documents sharing fingerprints with the report, read from the postings only
    when needed: a rare fingerprint may be held by hundreds of documents, of which only
    the best-sharing few are verified (so no object per posting or per document)."""

    postings: list[index.Posting]
    counts: Counter[int]  # document -> how many of the report's fingerprints it shares

    @classmethod
    def of(cls, postings: list[index.Posting], *, skip: int | None) -> Seeds:
        counts = Counter(chain.from_iterable(p.document_ids for p in postings))
        if skip is not None:
            counts.pop(skip, None)
        return cls(postings, counts)

    def shared(self, documents: Collection[int]) -> dict[int, list[Fingerprint]]:
        """The fingerprints each of these documents shares: (hash, position in it)."""
        found: dict[int, list[Fingerprint]] = {d: [] for d in documents}
        for posting in self.postings:
            for document_id, position in zip(posting.document_ids, posting.positions, strict=True):
                prints = found.get(document_id)
                if prints is not None:
                    prints.append(Fingerprint(posting.hash, position))
        return found


def choose_candidates(seeds: Seeds, own: set[int], limits: GateLimits) -> list[int]:
    """The documents worth verifying, best-sharing first (the authors' own first among
    equals). A document whose shared fingerprints all lie among those of documents already
    chosen adds no passage of its own (the same text held by many reports, e.g.
    moderately common phrasing): it is not verified again — unless it is the authors'
    own, whose text must be known to be set aside. Taken a window at a time; a window
    adding nobody ends the search (the rest share even less)."""
    counts = seeds.counts
    ranked = sorted(counts, key=lambda d: (-counts[d], d not in own, d))
    window = 3 * limits.candidates
    claimed: set[int] = set()
    chosen: list[int] = []
    for start in range(0, len(ranked), window):
        members = ranked[start : start + window]
        shared = seeds.shared(members)
        added = 0
        for document_id in members:
            hashes = {f.hash for f in shared[document_id]}
            if document_id not in own and hashes <= claimed:
                continue
            claimed |= hashes
            chosen.append(document_id)
            added += 1
            if len(chosen) == limits.candidates:
                return chosen
        if not added:
            break
    return chosen


async def find_matches(
    conn: asyncpg.Connection,
    *,
    college: str,
    query: PreparedReport,
    threshold: float,
    limits: GateLimits,
    remember_common: bool = True,
) -> GateOutcome:
    """Candidates from the index, verified exactly; the report itself excluded and its
    authors' own reports' text treated like template text. Indexes nothing (it only
    remembers the fingerprints it found common, unless told not to: a re-check of many
    reports in one transaction would hold those rows against concurrent submissions)."""
    cap = limits.cap(await _documents_in_college(conn, college))
    hashes = sorted({f.hash for f in query.fingerprints})
    itself, own = await index.own_documents(conn, college=college, report_id=UUID(query.report_id))
    # One scan of the index; fingerprints already known to be common are not read again.
    found = await index.lookup(conn, college=college, hashes=hashes, cap=cap)
    common: dict[int, int] = dict.fromkeys(found.known_common, cap + 1) | found.found_common
    seeds = Seeds.of(found.postings, skip=itself)
    if found.found_common and remember_common:
        await index.record_common(conn, college=college, counts=found.found_common)
    chosen = choose_candidates(seeds, own, limits)
    fetched = await index.sources(conn, college=college, document_ids=chosen)
    shared = seeds.shared(chosen)
    sources: dict[str, index.IndexedDocument] = {}
    source_texts: dict[str, str] = {}
    owned: list[PreparedReport] = []
    others: list[PreparedReport] = []
    for document_id in chosen:
        source = fetched.get(document_id)
        if source is None:
            continue  # replaced by a newer version since the lookup
        source_id = str(source.document.report_id)
        sources[source_id] = source.document
        source_texts[source_id] = text = source.body
        prepared = PreparedReport(
            source_id,
            normalise(text, 0, body_end(text)),
            (),
            tuple(shared[document_id]),
            DEFAULT_K,
        )
        (owned if document_id in own else others).append(prepared)
    if owned:
        # The authors' own earlier text counts like template text: neither matched nor
        # part of the report's size.
        mask = list(query.template_mask)
        for match in check(query, owned, common, cap, threshold).matches:
            for p in match.passages:
                mask[p.start : p.end] = [True] * (p.end - p.start)
        query = replace(query, template_mask=tuple(mask))
    result = check(query, others, common, cap, threshold)
    return GateOutcome(
        result,
        threshold,
        result.containment > threshold,
        len(common),
        sources,
        len(chosen),
        query.size,
        source_texts,
    )


def passages_json(query_text: str, source_text: str, match: SourceMatch) -> list[dict[str, Any]]:
    """Each passage: positions on both sides ([start, end) in the submitted texts), texts."""
    return [
        {
            "start": p.original_start,
            "end": p.original_end,
            "source_start": p.source_original_start,
            "source_end": p.source_original_end,
            "characters": p.length,
            "text": query_text[p.original_start : p.original_end],
            "source_text": source_text[p.source_original_start : p.source_original_end],
        }
        for p in match.passages
    ]


async def check_submission(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    report_id: UUID,
    body: str,
    limits: GateLimits,
    remember_common: bool = True,
) -> tuple[PreparedReport, GateOutcome]:
    """The gate's read half: the report prepared against the season's template, and its
    verified matches in the college's index (what the bench times)."""
    found = await index.season_settings(conn, college=college, season=season)
    if found is None:
        raise NotFound("season", season)
    threshold, template_text = found
    query = prepare(str(report_id), body, template_of(template_text))
    outcome = await find_matches(
        conn,
        college=college,
        query=query,
        threshold=threshold,
        limits=limits,
        remember_common=remember_common,
    )
    return query, outcome


async def gate_submission(
    conn: asyncpg.Connection,
    *,
    college: str,
    season: str,
    report_id: UUID,
    version: int,
    body: str,
    now: datetime,
    limits: GateLimits | None = None,
) -> None:
    """Check this version against the college's index, store the result, flag above the
    season's threshold (SimilarityFlagged), and index it in place of its earlier version."""
    limits = limits or GateLimits()
    query, outcome = await check_submission(
        conn, college=college, season=season, report_id=report_id, body=body, limits=limits
    )
    checked = CheckedVersion(college, season, report_id, version, body)
    matches = await store_check(conn, checked, outcome, limits=limits, now=now)
    first: dict[int, int] = {}
    for f in query.fingerprints:
        first.setdefault(f.hash, f.position)
    await index.replace_document(
        conn,
        college=college,
        season=season,
        report_id=report_id,
        version=version,
        prints=sorted(first.items()),
        now=now,
    )
    if outcome.flagged and await results.flag_report(conn, report_id=report_id):
        await announce_flag(conn, checked, outcome, matches, now=now)


@dataclass(frozen=True)
class CheckedVersion:
    """The report version a check is about, with its submitted text."""

    college: str
    season: str
    report_id: UUID
    version: int
    body: str


async def store_check(
    conn: asyncpg.Connection,
    checked: CheckedVersion,
    outcome: GateOutcome,
    *,
    limits: GateLimits,
    now: datetime,
) -> list[SourceMatch]:
    """The version's check stored (in place of an earlier check of it); the matches kept."""
    matches = outcome.result.matches[: limits.max_sources]
    await results.store_result(
        conn,
        college=checked.college,
        season=checked.season,
        report_id=checked.report_id,
        version=checked.version,
        containment=min(1.0, outcome.result.containment),
        threshold=outcome.threshold,
        flagged=outcome.flagged,
        characters=outcome.characters,
        ignored_fingerprints=outcome.ignored_fingerprints,
        matches=[
            results.StoredMatch(
                outcome.sources[m.source_id].report_id,
                outcome.sources[m.source_id].version,
                outcome.sources[m.source_id].season,
                min(1.0, m.containment),
                passages_json(checked.body, outcome.texts[m.source_id], m),
            )
            for m in matches
        ],
        now=now,
    )
    return list(matches)


async def announce_flag(
    conn: asyncpg.Connection,
    checked: CheckedVersion,
    outcome: GateOutcome,
    matches: list[SourceMatch],
    *,
    now: datetime,
) -> None:
    event = SimilarityFlagged(
        college=checked.college,
        report_id=checked.report_id,
        season=checked.season,
        version=checked.version,
        containment=min(1.0, outcome.result.containment),
        threshold=outcome.threshold,
        sources=[
            SimilarSource(
                report_id=outcome.sources[m.source_id].report_id,
                season=outcome.sources[m.source_id].season,
                containment=min(1.0, m.containment),
                passages=len(m.passages),
            )
            for m in matches
        ],
        flagged_at=now,
    )
    await append_to_outbox(conn, [event], source=SOURCE, now=now)
