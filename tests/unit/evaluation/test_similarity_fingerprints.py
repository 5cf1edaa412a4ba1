"""The gate's fingerprinting primitives against their plain definitions: winnowing (the
rightmost minimum of every window, once each), every k-gram's hash, and normalisation's
map back to original positions."""

from __future__ import annotations

import random

import pytest

from services.evaluation.domain.similarity import Fingerprint, kgram_hash, kgram_hashes, winnow
from services.evaluation.domain.similarity_text import normalise, normalise_char

pytestmark = pytest.mark.unit


def _winnow_by_definition(hashes: list[int], window: int) -> tuple[Fingerprint, ...]:
    if not hashes:
        return ()
    chosen: list[Fingerprint] = []
    for start in range(max(1, len(hashes) - window + 1)):
        span = range(start, min(len(hashes), start + window))
        best = max(span, key=lambda i: (-hashes[i], i))  # the rightmost minimum
        if not chosen or chosen[-1].position != best:
            chosen.append(Fingerprint(hashes[best], best))
    return tuple(chosen)


@pytest.mark.parametrize("seed", range(6))
def test_winnowing_keeps_the_rightmost_minimum_of_every_window_once(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(400):
        window = rng.randint(1, 10)
        top = rng.choice([1, 3, 1000, 2**63 - 1])  # few values: many ties
        hashes = [rng.randint(0, top) for _ in range(rng.randint(0, 70))]
        assert winnow(hashes, window) == _winnow_by_definition(hashes, window), (hashes, window)


def test_winnowing_refuses_an_empty_window() -> None:
    with pytest.raises(ValueError):
        winnow([1, 2, 3], 0)


MIXED = ["", "短", "a" * 13, "混合English文本，测试" * 20, "𠀀𠀁ab" * 15, "ÿé" * 20]
MIXED.append("abcdefghijklmnop")


@pytest.mark.parametrize("text", MIXED)
@pytest.mark.parametrize("k", [1, 5, 13])
def test_every_kgram_hash_is_the_hash_of_that_kgram(text: str, k: int) -> None:
    expected = [kgram_hash(text[i : i + k]) for i in range(len(text) - k + 1)]
    assert kgram_hashes(text, k) == expected
    assert all(0 <= h < 2**63 for h in expected)


def test_normalised_positions_point_at_each_characters_origin() -> None:
    # ㍻ folds to two characters, punctuation and spaces to none, 體 to 体.
    text = "Ａ，b ㍻繁體。x"
    normal = normalise(text, 1)
    expected = [(ch, i) for i in range(1, len(text)) for ch in normalise_char(text[i])]
    assert normal.text == "".join(ch for ch, _ in expected) == "b平成繁体x"
    assert list(normal.positions) == [i for _, i in expected]
    assert normal.original_span(1, 3) == (4, 5)
    one_each = normalise("甲，乙丙", 0, 3)
    assert (one_each.text, one_each.positions) == ("甲乙", (0, 2))
