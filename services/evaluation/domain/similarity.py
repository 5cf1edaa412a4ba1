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

from services.evaluation.domain.similarity_references import references_spans
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
    """A report ready for matching: its normalised text, what of it is ignored (template
    text and references; the service adds the authors' own earlier text) and its
    fingerprints."""

    report_id: str
    normal: NormalisedText
    ignored: tuple[bool, ...]  # per normalised character
    fingerprints: tuple[Fingerprint, ...]
    k: int

    @property
    def size(self) -> int:
        """Normalised characters not ignored: the share a match is measured against."""
        return self.ignored.count(False)

    @property
    def hashes(self) -> frozenset[int]:
        return frozenset(f.hash for f in self.fingerprints)


def _runs(ignored: Sequence[bool]) -> list[tuple[int, int]]:
    """The [start, end) runs of characters not ignored."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, flag in enumerate(ignored):
        if not flag and start is None:
            start = i
        elif flag and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(ignored)))
    return runs


def prepare(
    report_id: str,
    text: str,
    template: Template = EMPTY_TEMPLATE,
    k: int = DEFAULT_K,
    window: int = DEFAULT_WINDOW,
) -> PreparedReport:
    """Normalise, ignore the references, then in each run between them mask template
    k-grams and winnow the rest (a report without references is one run, its whole text)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    normal = normalise(text)
    ignored = [False] * len(normal.text)
    for a, b in references_spans(text):
        low, high = bisect_left(normal.positions, a), bisect_left(normal.positions, b)
        ignored[low:high] = [True] * (high - low)
    prints: list[Fingerprint] = []
    for start, end in _runs(ignored):
        hashes = kgram_hashes(normal.text[start:end], k)
        for i, h in enumerate(hashes):
            if h in template.hashes:
                ignored[start + i : start + i + k] = [True] * k
        kept = (f for f in winnow(hashes, window) if f.hash not in template.hashes)
        prints.extend(kept if start == 0 else (Fingerprint(h, p + start) for h, p in kept))
    return PreparedReport(report_id, normal, tuple(ignored), tuple(prints), k)


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


def _share(
    query: PreparedReport, passages: Iterable[Passage], common: set[int]
) -> tuple[float, set[int]]:
    chars: set[int] = set()
    for p in passages:
        chars.update(i for i in range(p.start, p.end) if not query.ignored[i] and i not in common)
    size = query.size
    return (len(chars) / size if size else 0.0), chars


def check(
    query: PreparedReport,
    sources: Iterable[PreparedReport],
    document_frequency: Mapping[int, int] | None = None,
    df_cap: int | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    min_passage: int = DEFAULT_MIN_PASSAGE,
) -> SimilarityResult:
    """Match ``query`` against ``sources``; flag when containment ≥ ``threshold``."""
    frequency = document_frequency or {}
    by_hash: dict[int, list[int]] = defaultdict(list)
    common: set[int] = set()  # characters under a fingerprint common across reports
    for f in query.fingerprints:
        if df_cap is not None and frequency.get(f.hash, 0) > df_cap:
            common.update(range(f.position, f.position + query.k))
            continue
        by_hash[f.hash].append(f.position)
    matches: list[SourceMatch] = []
    all_chars: set[int] = set()
    for source in sources:
        if source.report_id == query.report_id or source.k != query.k:
            continue
        seeds = [
            (qpos, f.position) for f in source.fingerprints for qpos in by_hash.get(f.hash, ())
        ]
        if not seeds:
            continue
        passages = _verify(query, source, seeds, min_passage)
        if not passages:
            continue
        share, chars = _share(query, passages, common)
        if not chars:
            continue
        all_chars |= chars
        matches.append(SourceMatch(source.report_id, tuple(passages), share))
    matches.sort(key=lambda m: (-m.containment, m.source_id))
    containment = len(all_chars) / query.size if query.size else 0.0
    return SimilarityResult(query.report_id, containment, containment >= threshold, tuple(matches))
