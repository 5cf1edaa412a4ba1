"""The similarity gate: character k-gram fingerprints with winnowing, exact verification.

No word segmentation: a report is normalised (``similarity_text``), its references
ignored (``similarity_references``), and every k-gram of the rest hashed
(a stable 63-bit hash, so it fits a PostgreSQL ``bigint``). Winnowing keeps the
minimum hash of every window of ``w`` consecutive k-grams (the rightmost on a
tie), so any shared run of at least ``k + w - 1`` normalised characters shares
a fingerprint. A fingerprint is ``(hash, position)`` — one row of the inverted
index — with ``position`` the k-gram's start in the normalised body.

Text of the committee's template is ignored: every k-gram of the template is
hashed and those k-grams neither yield fingerprints nor count in the report's
size. Fingerprints found in more than ``df_cap`` reports are ignored: they seed
no candidate, and the characters under them count as matched by no one.

Candidates come from shared fingerprints; each is verified EXACTLY on the
normalised texts and extended both ways into a maximal passage, reported with
original character positions on both sides. Containment is the share of this
report's normalised characters (template text and references aside) covered by
verified passages; a report is flagged when containment ≥ the threshold.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import NamedTuple

from services.evaluation.domain.similarity_references import (
    ReferencesSection,
    references_section,
)
from services.evaluation.domain.similarity_text import NormalisedText, normalise

DEFAULT_K = 13
DEFAULT_WINDOW = 8
DEFAULT_THRESHOLD = 0.08
DEFAULT_MIN_PASSAGE = 13
_MASK63 = (1 << 63) - 1


def kgram_hash(gram: str) -> int:
    """A stable non-negative 63-bit hash of a k-gram (fits a PostgreSQL bigint)."""
    digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") & _MASK63


def kgram_hashes(text: str, k: int) -> list[int]:
    """The hash of every k-gram of ``text``, by start position (each ``kgram_hash``: the
    text is encoded once and each k-gram's UTF-8 bytes sliced from it)."""
    if len(text) < k:
        return []
    data = text.encode("utf-8")
    if len(data) == len(text):  # ASCII: one byte a character
        offsets: list[int] | range = range(len(text) + 1)
    else:
        offsets = [0]
        offsets.extend(accumulate(len(ch.encode("utf-8")) for ch in text))
    blake2b, from_bytes, mask = hashlib.blake2b, int.from_bytes, _MASK63
    return [
        from_bytes(blake2b(data[offsets[i] : offsets[i + k]], digest_size=8).digest(), "big") & mask
        for i in range(len(text) - k + 1)
    ]


class Fingerprint(NamedTuple):
    """One winnowed k-gram: its hash and its start in the normalised body (a tuple of two
    ints: a check makes hundreds, which the garbage collector then leaves alone)."""

    hash: int
    position: int


def winnow(hashes: Sequence[int], window: int) -> tuple[Fingerprint, ...]:
    """Robust winnowing: the rightmost minimum of each window of ``window`` hashes, once each.

    The minimum is carried from window to window: a new hash no larger than it takes its
    place (it is further right); only when it slides out is the window scanned again.
    """
    if window < 1:
        raise ValueError("the window must be at least 1")
    if not hashes:
        return ()
    if len(hashes) <= window:
        best = min(range(len(hashes)), key=lambda i: (hashes[i], -i))
        return (Fingerprint(hashes[best], best),)
    chosen: list[Fingerprint] = []
    best = -1
    for end in range(window - 1, len(hashes)):
        start = end - window + 1
        if best < start:
            span = hashes[start : end + 1]
            lowest = min(span)
            best = end - span[::-1].index(lowest)
            chosen.append(Fingerprint(lowest, best))
        elif hashes[end] <= hashes[best]:
            best = end
            chosen.append(Fingerprint(hashes[end], end))
    return tuple(chosen)


@dataclass(frozen=True)
class Template:
    """The committee's template text: the hashes of all its k-grams."""

    hashes: frozenset[int]

    @classmethod
    def of(cls, texts: Iterable[str], k: int = DEFAULT_K) -> Template:
        found: set[int] = set()
        for text in texts:
            found.update(kgram_hashes(normalise(text).text, k))
        return cls(frozenset(found))


EMPTY_TEMPLATE = Template(frozenset())


@dataclass(frozen=True)
class PreparedReport:
    """A report ready for matching: its normalised text; what of it is ignored (template
    text, the references heading; the service adds the authors' own earlier text); which
    characters are references (`similarity_references`); its fingerprints (the indexed
    ones) and its probes (the references' fingerprints: looked up, never indexed)."""

    report_id: str
    normal: NormalisedText
    ignored: tuple[bool, ...]  # per normalised character
    fingerprints: tuple[Fingerprint, ...]
    k: int
    references: tuple[bool, ...] = ()  # per normalised character; () when none
    probes: tuple[Fingerprint, ...] = ()

    @property
    def size(self) -> int:
        """Characters neither ignored nor references: what a match is measured against
        (a reference matching another report's prose is added to it, see `check`)."""
        if not self.references:
            return self.ignored.count(False)
        return sum(1 for i, r in zip(self.ignored, self.references, strict=True) if not (i or r))

    @property
    def hashes(self) -> frozenset[int]:
        return frozenset(f.hash for f in self.fingerprints)

    def is_reference(self, position: int) -> bool:
        return position < len(self.references) and self.references[position]


def _runs(flags: Sequence[bool | None], value: bool) -> list[tuple[int, int]]:
    """The [start, end) runs of `flags` equal to `value`."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, flag in enumerate(flags):
        if flag == value and start is None:
            start = i
        elif flag != value and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(flags)))
    return runs


def _mark(normal: NormalisedText, spans: Iterable[tuple[int, int]], flags: list[bool]) -> None:
    """Set the flags of the normalised characters whose origins lie in `spans`."""
    for a, b in spans:
        low, high = bisect_left(normal.positions, a), bisect_left(normal.positions, b)
        flags[low:high] = [True] * (high - low)


def reference_flags(text: str, normal: NormalisedText) -> tuple[bool, ...]:
    """Per character of `normal` (the normalised `text`): is it a reference's."""
    return _flags(references_section(text), normal)


def _flags(section: ReferencesSection | None, normal: NormalisedText) -> tuple[bool, ...]:
    if section is None or not section.references:
        return ()
    flags = [False] * len(normal.text)
    _mark(normal, section.references, flags)
    return tuple(flags)


def prepare(
    report_id: str,
    text: str,
    template: Template = EMPTY_TEMPLATE,
    k: int = DEFAULT_K,
    window: int = DEFAULT_WINDOW,
) -> PreparedReport:
    """Normalise; ignore the references heading; in each run of the body (and of prose
    in the references section) mask template k-grams and winnow the rest into
    fingerprints, and likewise in each run of references into probes. A report
    without a references section is one run, its whole text."""
    if k < 1:
        raise ValueError("k must be at least 1")
    normal = normalise(text)
    ignored = [False] * len(normal.text)
    section = references_section(text)
    if section is not None:
        _mark(normal, [section.heading], ignored)
    references = _flags(section, normal)
    kind: list[bool | None] = [  # None: ignored; True: a reference's; False: the body's
        None if skip else (bool(references) and references[i]) for i, skip in enumerate(ignored)
    ]
    prints: list[Fingerprint] = []
    probes: list[Fingerprint] = []
    for is_reference, out in ((False, prints), (True, probes)):
        for start, end in _runs(kind, is_reference):
            hashes = kgram_hashes(normal.text[start:end], k)
            for i, h in enumerate(hashes):
                if h in template.hashes:
                    ignored[start + i : start + i + k] = [True] * k
            kept = (f for f in winnow(hashes, window) if f.hash not in template.hashes)
            out.extend(kept if start == 0 else (Fingerprint(h, p + start) for h, p in kept))
    return PreparedReport(
        report_id, normal, tuple(ignored), tuple(prints), k, references, tuple(probes)
    )


def document_frequencies(reports: Iterable[PreparedReport]) -> dict[int, int]:
    """For each fingerprint hash, how many reports hold it."""
    counts: dict[int, int] = defaultdict(int)
    for report in reports:
        for h in report.hashes:
            counts[h] += 1
    return dict(counts)


@dataclass(frozen=True)
class Passage:
    """A verified exact match: normalised and original spans on both sides."""

    source_id: str
    start: int
    end: int
    source_start: int
    source_end: int
    original_start: int
    original_end: int
    source_original_start: int
    source_original_end: int

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class SourceMatch:
    """One matching report, its passages and the share of this report they cover."""

    source_id: str
    passages: tuple[Passage, ...]
    containment: float


@dataclass(frozen=True)
class SimilarityResult:
    """The gate's verdict on one report."""

    report_id: str
    containment: float
    flagged: bool
    matches: tuple[SourceMatch, ...]


def _verify(
    query: PreparedReport, source: PreparedReport, seeds: Iterable[tuple[int, int]], minimum: int
) -> list[Passage]:
    q, s, k = query.normal.text, source.normal.text, query.k
    found: list[Passage] = []
    covered: dict[int, list[tuple[int, int]]] = defaultdict(list)  # diagonal -> spans
    for qpos, spos in sorted(seeds):
        diagonal = qpos - spos
        if any(a <= qpos < b for a, b in covered[diagonal]):
            continue
        if q[qpos : qpos + k] != s[spos : spos + k]:
            continue  # a hash collision
        start, sstart = qpos, spos
        while start > 0 and sstart > 0 and q[start - 1] == s[sstart - 1]:
            start -= 1
            sstart -= 1
        end, send = qpos + k, spos + k
        while end < len(q) and send < len(s) and q[end] == s[send]:
            end += 1
            send += 1
        covered[diagonal].append((start, end))
        if end - start < minimum:
            continue
        o_start, o_end = query.normal.original_span(start, end)
        so_start, so_end = source.normal.original_span(sstart, send)
        found.append(
            Passage(source.report_id, start, end, sstart, send, o_start, o_end, so_start, so_end)
        )
    return found


def _counted(
    query: PreparedReport, source: PreparedReport, passages: Iterable[Passage], common: set[int]
) -> tuple[list[Passage], set[int]]:
    """The passages shown and the query's characters that count: a character counts
    unless it is ignored, under a common fingerprint, or a reference matched to one of
    the source's references. Shared references are not copying: a passage of nothing
    else is not shown."""
    shown: list[Passage] = []
    chars: set[int] = set()
    for p in passages:
        covered: set[int] = set()
        shared = False
        for i in range(p.start, p.end):
            if query.is_reference(i) and source.is_reference(p.source_start + i - p.start):
                shared = True
            elif not query.ignored[i] and i not in common:
                covered.add(i)
        if covered or not shared:
            shown.append(p)
        chars |= covered
    return shown, chars


def check(
    query: PreparedReport,
    sources: Iterable[PreparedReport],
    document_frequency: Mapping[int, int] | None = None,
    df_cap: int | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    min_passage: int = DEFAULT_MIN_PASSAGE,
) -> SimilarityResult:
    """Match ``query`` against ``sources``; flag when containment ≥ ``threshold``.

    The query's fingerprints and probes are looked up in the sources' fingerprints.
    Containment is measured against the query's size plus its references that matched
    a source's prose: a "reference" shown to be copied prose counts as prose."""
    frequency = document_frequency or {}
    by_hash: dict[int, list[int]] = defaultdict(list)
    common: set[int] = set()  # characters under a fingerprint common across reports
    for f in (*query.fingerprints, *query.probes):
        if df_cap is not None and frequency.get(f.hash, 0) > df_cap:
            common.update(range(f.position, f.position + query.k))
            continue
        by_hash[f.hash].append(f.position)
    found: list[tuple[str, list[Passage], set[int]]] = []
    for source in sources:
        if source.report_id == query.report_id or source.k != query.k:
            continue
        seeds = [
            (qpos, f.position) for f in source.fingerprints for qpos in by_hash.get(f.hash, ())
        ]
        if not seeds:
            continue
        passages, chars = _counted(
            query, source, _verify(query, source, seeds, min_passage), common
        )
        if chars:
            found.append((source.report_id, passages, chars))
    all_chars: set[int] = set().union(*(chars for _, _, chars in found))
    size = query.size + sum(1 for i in all_chars if query.is_reference(i))
    matches = sorted(
        (
            SourceMatch(source_id, tuple(passages), len(chars) / size)
            for source_id, passages, chars in found
        ),
        key=lambda m: (-m.containment, m.source_id),
    )
    containment = len(all_chars) / size if size else 0.0
    return SimilarityResult(query.report_id, containment, containment >= threshold, tuple(matches))
