"""Text normalisation for similarity matching, with a map back to the original text.

Matching works on a normalised copy of a report: each character is NFKC-folded
(full-width → half-width), converted Traditional → Simplified with OpenCC
(``t2s``, one character at a time so every normalised character keeps its
origin), Latin-lowercased, and kept only if it is a letter or a digit (so
punctuation, whitespace and symbols drop out). ``positions[i]`` is the index in
the original text of normalised character ``i``; an original slice
``text[positions[a] : positions[b - 1] + 1]`` normalises back to ``normal[a:b]``.

Which of the text is references (and so ignored) is ``similarity_references``' rule.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from opencc import OpenCC

_T2S = OpenCC("t2s")


@dataclass(frozen=True)
class NormalisedText:
    """The normalised characters and, for each, its index in the original text."""

    text: str
    positions: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original [start, end) span covering normalised characters [start, end)."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"bad normalised span [{start}, {end})")
        return self.positions[start], self.positions[end - 1] + 1


@lru_cache(maxsize=65536)
def normalise_char(char: str) -> str:
    """One original character as normalised characters (often one, sometimes none or several)."""
    out: list[str] = []
    for folded in unicodedata.normalize("NFKC", char):
        simplified = _T2S.convert(folded) if ord(folded) > 0x2E7F else folded
        for ch in simplified.lower():
            if ch.isalnum():
                out.append(ch)
    return "".join(out)


def normalise(text: str, start: int = 0, end: int | None = None) -> NormalisedText:
    """Normalise ``text[start:end]``; positions are indices into the whole ``text``."""
    stop = len(text) if end is None else end
    parts = list(map(normalise_char, text[start:stop]))
    normal = "".join(parts)
    kept = [index for index, part in enumerate(parts, start) if part]
    if len(kept) == len(normal):  # every character became at most one: the usual case
        return NormalisedText(normal, tuple(kept))
    positions: list[int] = []
    for index, part in enumerate(parts, start):
        positions.extend([index] * len(part))
    return NormalisedText(normal, tuple(positions))
