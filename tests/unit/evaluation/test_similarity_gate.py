"""The gate's settings arithmetic and the bench's vectorised winnowing (which must pick
exactly the fingerprints the domain's winnowing picks)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from services.evaluation.domain.similarity import kgram_hashes, winnow
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
