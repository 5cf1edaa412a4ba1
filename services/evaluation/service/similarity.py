"""The similarity gate at submission: index the version, find and verify matches, flag.

Candidates come from the college's inverted index (this season's cohort and every past
season): all of the submission's fingerprints in one index scan, a fingerprint's postings
returned only when it is in at most `cap` reports; one found in more is common phrasing,
counted in SQL and ignored (`cap` = the larger of `similarity_common_min_reports` and
`similarity_common_share` of the college's indexed reports). Template text never yields
fingerprints, and the references only probes: looked up with the rest, never indexed, so
a match is ignored only when it is references on both sides (the domain's `prepare` and
`check`). The reports sharing the most fingerprints are verified exactly on their
submitted text; a report never matches itself, and a report sharing an author with this
one is the authors' own earlier work, not counted. Containment above the season's
threshold flags the report for the chair. A candidate re-indexed between the lookup and
the fetch of its text is looked up again (`candidates`): a check verifies only the
versions whose fingerprints it counted.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.evaluation.domain.similarity import (
    DEFAULT_K,
    PreparedReport,
    SimilarityResult,
    SourceMatch,
    Template,
    check,
    prepare,
    reference_flags,
)
from services.evaluation.domain.similarity_candidates import Seeds, choose_candidates
from services.evaluation.domain.similarity_text import normalise
from services.evaluation.repository import fingerprints as index
from services.evaluation.repository import integrity as results
from services.evaluation.service import SOURCE
from services.evaluation.settings import EvaluationSettings
from shared.events.evaluation import SimilarityFlagged, SimilarSource
from shared.messaging.outbox import append_to_outbox
from shared.rules import NotFound, TryAgain

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


# How many times a check looks its candidates up again when one of those it chose was
# re-indexed (a new version committed) before their text was fetched.
CHECK_ATTEMPTS = 4


@dataclass(frozen=True)
class Candidates:
    """One lookup's candidates, each fetched as the very version the lookup counted."""

    found: index.Lookup
    seeds: Seeds
    chosen: list[int]
    fetched: dict[int, index.SourceDocument]


async def candidates(
    conn: asyncpg.Connection,
    *,
    college: str,
    report_id: UUID,
    hashes: list[int],
    cap: int,
    limits: GateLimits,
) -> Candidates:
    """The best-sharing documents and their text. The lookup (one statement: one snapshot,
    the report's own and its authors' documents included) and the fetch are two
    statements: a candidate re-indexed in between (its document replaced by the new
    version's) is missing from the fetch. Then nothing found is used: its slot and the
    new version's fingerprints are another lookup's to weigh, so the lookup is done
    again. A check whose candidates change under it CHECK_ATTEMPTS times in a row fails
    as retryable (`TryAgain`: the submission answered 503 with Retry-After and
    nothing saved, a re-check's timer postponed) rather than verified on fewer of them."""
    for _ in range(CHECK_ATTEMPTS):
        found = await index.lookup(
            conn, college=college, report_id=report_id, hashes=hashes, cap=cap
        )
        seeds = Seeds.of(found.postings, skip=found.itself)
        chosen = choose_candidates(seeds, found.own, limits.candidates)
        fetched = await index.sources(conn, college=college, document_ids=chosen)
        if len(fetched) == len(chosen):
            return Candidates(found, seeds, chosen, fetched)
    raise TryAgain(
        f"candidates of report {report_id} were re-indexed (new versions) during each of"
        f" {CHECK_ATTEMPTS} lookups in a row: the similarity check is to be run again"
    )


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
    hashes = sorted({f.hash for f in (*query.fingerprints, *query.probes)})
    # One scan of the index; fingerprints already known to be common are not read again.
    taken = await candidates(
        conn,
        college=college,
        report_id=UUID(query.report_id),
        hashes=hashes,
        cap=cap,
        limits=limits,
    )
    found, chosen = taken.found, taken.chosen
    common: dict[int, int] = dict.fromkeys(found.known_common, cap + 1) | found.found_common
    if found.found_common and remember_common:
        await index.record_common(conn, college=college, counts=found.found_common)
    shared = taken.seeds.shared(chosen)
    sources: dict[str, index.IndexedDocument] = {}
    source_texts: dict[str, str] = {}
    owned: list[PreparedReport] = []
    others: list[PreparedReport] = []
    for document_id in chosen:
        source = taken.fetched[document_id]
        source_id = str(source.document.report_id)
        sources[source_id] = source.document
        source_texts[source_id] = text = source.body
        normal = normalise(text)
        prepared = PreparedReport(
            source_id,
            normal,
            (),
            tuple(shared[document_id]),
            DEFAULT_K,
            references=reference_flags(text, normal),
        )
        (owned if document_id in found.own else others).append(prepared)
    if owned:
        # The authors' own earlier text counts like template text: neither matched nor
        # part of the report's size.
        mask = list(query.ignored)
        for match in check(query, owned, common, cap, threshold).matches:
            for p in match.passages:
                mask[p.start : p.end] = [True] * (p.end - p.start)
        query = replace(query, ignored=tuple(mask))
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
