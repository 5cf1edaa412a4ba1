"""The similarity benchmark's background: 100,000 unrelated reports made fast.

Their fingerprints are the gate's winnowing (k = 13, w = 8, positions in the normalised
text) hashed by a vectorised 63-bit hash instead of the domain's blake2b: hashing 300
million 13-grams one by one in Python would take half an hour, and the background is
unrelated to every query by construction, so the index has the same size and shape and
every lookup the same cost (`check_fast_winnow`: the vectorised winnowing picks exactly
what the domain's does). The sentences of common report phrasing carry the domain's own
hashes, so the queries that hold them do hit their long posting lists and the
common-phrasing cap is exercised.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from services.evaluation.domain.similarity import DEFAULT_K, DEFAULT_WINDOW, kgram_hashes, winnow
from services.evaluation.domain.similarity_text import normalise_char
from tools.bench.evaluation_similarity_corpus import TEMPLATE, clauses, full_report, synthetic_body

SEED = 9
MASK63 = (1 << 63) - 1

# Common report phrasing: the first ten in about a fifth of the reports each (common, so
# ignored), the rest in about one report in a hundred each (rare enough to be matched).
COMMON_PHRASES = (
    "在学院团委的统一部署和指导下，我们团队认真筹备并顺利完成了本次暑期社会实践活动",
    "通过这次社会实践，我们深刻认识到理论联系实际的重要性，也看到了自身的不足",
    "衷心感谢指导教师在整个实践过程中给予我们的悉心指导和大力支持",
    "本次实践活动得到了当地政府、学校和村民的热情接待与积极配合",
    "我们将继续发扬志愿服务精神，把所学知识运用到服务社会的实践中去",
    "实践团队成员分工明确、团结协作，圆满完成了预定的各项调研任务",
    "调研过程中我们共发放问卷三百余份，回收有效问卷二百八十余份",
    "此次社会实践既是一次锻炼，也是一次成长，让我们受益匪浅",
    "我们深入田间地头和农户家中，面对面了解群众的真实需求",
    "实践结束后，团队对收集到的资料进行了系统整理和认真分析",
    "支教期间我们为留守儿童开设了美术、音乐、科学和英语等课程",
    "我们走访了镇卫生院和村卫生室，了解基层医疗服务的现状",
    "团队利用课余时间整理访谈记录，形成了近两万字的调研笔记",
    "在老党员的讲述中，我们感受到了艰苦奋斗的革命精神",
    "返校后我们将调研成果整理成报告，提交给当地有关部门参考",
    "我们组织了防溺水安全教育讲座，向孩子们普及自救常识",
    "村里的年轻人大多外出务工，留下的多是老人和孩子",
    "通过与村干部座谈，我们了解到乡村振兴工作的具体进展",
    "电商直播为当地农产品打开了销路，也带动了村民增收",
    "我们协助社区开展垃圾分类宣传，挨家挨户发放宣传手册",
)
VERY_COMMON = 10


def _multipliers(k: int) -> np.ndarray:
    rng = np.random.default_rng(SEED)
    return rng.integers(1, 2**63, size=k, dtype=np.uint64) | np.uint64(1)


_MULT = _multipliers(DEFAULT_K)


def fast_hashes(codes: np.ndarray, k: int = DEFAULT_K) -> np.ndarray:
    """A 63-bit hash of every k-gram of a code-point array (splitmix64 of a weighted sum)."""
    n = len(codes) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h += codes[j : j + n] * _MULT[j]
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return (h & np.uint64(MASK63)).astype(np.int64)


def fast_winnow(hashes: np.ndarray, window: int = DEFAULT_WINDOW) -> tuple[np.ndarray, np.ndarray]:
    """The domain's robust winnowing (rightmost minimum per window, once each): (hash, pos)."""
    if len(hashes) == 0:
        return hashes, np.zeros(0, dtype=np.int64)
    if len(hashes) <= window:
        best = len(hashes) - 1 - int(np.argmin(hashes[::-1]))
        return hashes[best : best + 1], np.array([best])
    windows = sliding_window_view(hashes, window)
    best = np.arange(len(windows)) + (window - 1 - np.argmin(windows[:, ::-1], axis=1))
    keep = np.ones(len(best), dtype=bool)
    keep[1:] = best[1:] != best[:-1]
    positions = best[keep]
    return hashes[positions], positions


def check_fast_winnow() -> None:
    """The vectorised winnowing picks exactly what the domain's does."""
    rng = random.Random(SEED)
    for _ in range(20):
        text = "".join(map(normalise_char, synthetic_body(rng, rng.randint(5, 800))))
        hashes = kgram_hashes(text, DEFAULT_K)
        expected = [(f.hash, f.position) for f in winnow(hashes, DEFAULT_WINDOW)]
        got_h, got_p = fast_winnow(np.array(hashes, dtype=np.int64))
        if list(zip(got_h.tolist(), got_p.tolist(), strict=True)) != expected:
            raise AssertionError("the bench's winnowing differs from the domain's")


@dataclass
class Phrase:
    text: str
    normal: str
    hashes: np.ndarray  # winnowed, the domain's hashes
    positions: np.ndarray


def common_phrases() -> list[Phrase]:
    out = []
    for text in COMMON_PHRASES:
        normal = "".join(map(normalise_char, text))
        prints = winnow(kgram_hashes(normal, DEFAULT_K), DEFAULT_WINDOW)
        out.append(
            Phrase(
                text + "。",
                normal,
                np.array([f.hash for f in prints], dtype=np.int64),
                np.array([f.position for f in prints], dtype=np.int64),
            )
        )
    return out


class Background:
    """Unrelated reports made fast: fragments of the seeds' clauses, mixed at random."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        pool = clauses()
        picker = random.Random(seed)
        fragments: set[str] = set()
        while len(fragments) < 40_000:
            clause = picker.choice(pool)
            length = min(len(clause), picker.randint(2, 6))
            start = picker.randrange(0, len(clause) - length + 1)
            fragments.add(clause[start : start + length])
        self.fragments = sorted(fragments)
        normals = ["".join(map(normalise_char, f)) for f in self.fragments]
        self.lengths = np.array([len(n) for n in normals], dtype=np.int64)
        self.starts = np.concatenate([[0], np.cumsum(self.lengths)[:-1]])
        self.flat = np.array([ord(c) for c in "".join(normals)], dtype=np.uint64)
        self.phrases = common_phrases()
        self.offset = len("".join(map(normalise_char, TEMPLATE)))
        self.marks = "，，，、；。。"

    def _codes(self, picks: np.ndarray) -> np.ndarray:
        lengths = self.lengths[picks]
        ends = np.cumsum(lengths)
        index = np.repeat(self.starts[picks] - ends + lengths, lengths) + np.arange(ends[-1])
        return self.flat[index]

    def _prose(self, picks: np.ndarray, marks: np.ndarray) -> str:
        fragments, punctuation = self.fragments, self.marks
        return "".join(
            fragments[f] + (punctuation[m] if j % 4 == 3 else "")
            for j, (f, m) in enumerate(zip(picks.tolist(), marks.tolist(), strict=True))
        )

    def report(self) -> tuple[str, np.ndarray, np.ndarray]:
        """(text, fingerprint hashes, positions): one per distinct hash, first position."""
        rng = self.rng
        picks = rng.integers(0, len(self.fragments), size=640)
        marks = rng.integers(0, len(self.marks), size=640)
        phrases = [int(i) for i in rng.integers(0, VERY_COMMON, size=2)]
        if rng.random() < 0.2:
            phrases.append(int(rng.integers(VERY_COMMON, len(self.phrases))))
        cuts = sorted(int(c) for c in rng.integers(1, len(picks), size=len(phrases)))
        text: list[str] = []
        all_h: list[np.ndarray] = []
        all_p: list[np.ndarray] = []
        position = self.offset
        start = 0
        for cut, phrase_index in [*zip(cuts, phrases, strict=True), (len(picks), -1)]:
            if cut > start:
                codes = self._codes(picks[start:cut])
                h, p = fast_winnow(fast_hashes(codes))
                all_h.append(h)
                all_p.append(p + position)
                position += len(codes)
                text.append(self._prose(picks[start:cut], marks[start:cut]))
                start = cut
            if phrase_index >= 0:
                phrase = self.phrases[phrase_index]
                all_h.append(phrase.hashes)
                all_p.append(phrase.positions + position)
                position += len(phrase.normal)
                text.append(phrase.text)
        hashes = np.concatenate(all_h)
        positions = np.concatenate(all_p)
        unique, first = np.unique(hashes, return_index=True)
        return full_report("".join(text)), unique, positions[first]
