"""Which indexed reports a similarity check verifies, from the postings of its
fingerprints: the documents sharing the most of them, best first (the gate's settings
say how many)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from itertools import chain

from services.evaluation.domain.similarity import Fingerprint


@dataclass(frozen=True)
class Posting:
    """The documents holding one hash, with the fingerprint's position in each."""

    hash: int
    document_ids: tuple[int, ...]
    positions: tuple[int, ...]


@dataclass(frozen=True)
class Seeds:
    """The documents sharing fingerprints with the report, read from the postings only
    when needed: a rare fingerprint may be held by hundreds of documents, of which only
    the best-sharing few are verified (so no object per posting or per document)."""

    postings: list[Posting]
    counts: Counter[int]  # document -> how many of the report's fingerprints it shares

    @classmethod
    def of(cls, postings: list[Posting], *, skip: int | None) -> Seeds:
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


def choose_candidates(seeds: Seeds, own: set[int], candidates: int) -> list[int]:
    """The documents worth verifying, best-sharing first (the authors' own first among
    equals). A document whose shared fingerprints all lie among those of documents already
    chosen adds no passage of its own (the same text held by many reports, e.g.
    moderately common phrasing): it is not verified again — unless it is the authors'
    own, whose text must be known to be set aside. Taken a window at a time; a window
    adding nobody ends the search (the rest share even less)."""
    counts = seeds.counts
    ranked = sorted(counts, key=lambda d: (-counts[d], d not in own, d))
    window = 3 * candidates
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
            if len(chosen) == candidates:
                return chosen
        if not added:
            break
    return chosen
