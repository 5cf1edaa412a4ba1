"""The gate's settings arithmetic, its choice of candidates to verify, and the bench's
vectorised winnowing (which must pick exactly the fingerprints the domain's winnowing
picks)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from services.evaluation.domain.similarity import kgram_hashes, winnow
from services.evaluation.domain.similarity_candidates import Posting, Seeds, choose_candidates
from services.evaluation.domain.similarity_text import normalise
from services.evaluation.service.similarity import GateLimits, template_of
from tools.bench.evaluation_similarity_background import fast_hashes, fast_winnow
from tools.bench.evaluation_similarity_corpus import TEMPLATE, synthetic_body

pytestmark = pytest.mark.unit


def test_common_cap_is_the_larger_of_the_floor_and_the_share() -> None:
    limits = GateLimits(common_share=0.05, common_min_reports=20, max_sources=10)
    assert limits.cap(0) == 20
    assert limits.cap(300) == 20
    assert limits.cap(401) == 21
    assert limits.cap(100_000) == 5000
    assert limits.candidates == 30


def test_template_hashed_once_and_empty_template_has_no_hashes() -> None:
    assert template_of(TEMPLATE) is template_of(TEMPLATE)
    assert template_of("  \n").hashes == frozenset()
    assert template_of(TEMPLATE).hashes


@pytest.mark.parametrize("seed", range(12))
def test_vectorised_winnowing_matches_the_domain(seed: int) -> None:
    rng = random.Random(seed)
    text = normalise(synthetic_body(rng, rng.choice([3, 12, 20, 300, 3000]))).text
    hashes = kgram_hashes(text, 13)
    expected = [(f.hash, f.position) for f in winnow(hashes, 8)]
    got_hashes, got_positions = fast_winnow(np.array(hashes, dtype=np.int64))
    assert list(zip(got_hashes.tolist(), got_positions.tolist(), strict=True)) == expected


def test_vectorised_hash_is_a_63_bit_hash_of_each_13_gram() -> None:
    codes = np.array([ord(c) for c in "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未"], dtype=np.uint64)
    hashes = fast_hashes(codes)
    assert len(hashes) == len(codes) - 12
    assert (hashes >= 0).all() and len(set(hashes.tolist())) == len(hashes)
    again = fast_hashes(np.concatenate([codes[:13], codes[:13]]))
    assert again[0] == again[13] == hashes[0]


def _seeds(holders: dict[int, list[int]], *, skip: int | None = None) -> Seeds:
    """Seeds from {hash: documents holding it}; each posting's position is the document id."""
    postings = [Posting(h, tuple(docs), tuple(docs)) for h, docs in holders.items()]
    return Seeds.of(postings, skip=skip)


def test_candidates_best_sharing_first_and_nothing_already_covered_twice() -> None:
    limits = GateLimits(max_sources=10)
    # 7 shares hashes 1–3, 8 shares 1–2 (covered by 7), 9 shares 4, 5 (the report itself)
    # shares everything.
    seeds = _seeds({1: [7, 8, 5], 2: [7, 8, 5], 3: [7, 5], 4: [9, 5]}, skip=5)
    assert seeds.counts == {7: 3, 8: 2, 9: 1}
    assert choose_candidates(seeds, own=set(), candidates=limits.candidates) == [7, 9]
    # the authors' own report is verified even when better ones hold its text, and goes
    # first among equals
    assert choose_candidates(seeds, own={8}, candidates=limits.candidates) == [7, 8, 9]
    tie = _seeds({1: [3, 2]})
    assert choose_candidates(tie, own=set(), candidates=limits.candidates) == [2]
    assert choose_candidates(tie, own={3}, candidates=limits.candidates) == [3]
    shared = seeds.shared([7, 9])
    assert shared == {7: [(1, 7), (2, 7), (3, 7)], 9: [(4, 9)]}


def test_candidates_stop_at_the_limit_and_at_a_window_adding_nobody() -> None:
    limits = GateLimits(max_sources=2)  # 6 candidates, windows of 18
    distinct = _seeds({h: [h] for h in range(1, 11)})
    assert choose_candidates(distinct, own=set(), candidates=limits.candidates) == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]
    # 40 documents hold one phrase: the first is verified, the rest of its window and
    # the whole next window add nothing, so document 100 (as good, but later) is not
    # reached; with the phrase held by fewer it is.
    phrase = _seeds({1: list(range(1, 41)), 2: [100]})
    assert choose_candidates(phrase, own=set(), candidates=limits.candidates) == [1]
    short = _seeds({1: list(range(1, 11)), 2: [100]})
    assert choose_candidates(short, own=set(), candidates=limits.candidates) == [1, 100]
    assert choose_candidates(_seeds({}), own=set(), candidates=limits.candidates) == []
