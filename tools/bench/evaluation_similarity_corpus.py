"""Synthetic Chinese reports for the similarity bench and tests, made from the seed texts.

The seeds (`shared/seeds/*.txt`) are cut into clauses at punctuation; a report is a run
of clauses drawn at random, most of them broken into 2–6-character fragments and mixed
with fragments of other clauses, then joined with Chinese punctuation into paragraphs.
The characters and short phrases are the seeds' own, but two reports made this way share
no run of 13 characters beyond chance (and common short phrasing), so reports drawn with
different random states are really unrelated. The labelled cases (copied runs, light
edits, Traditional script, punctuation changes) are built on top of these.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache
from pathlib import Path

from opencc import OpenCC

_ROOT = Path(__file__).resolve().parents[2]
SEED_DIRS = (Path("/work/shared/seeds"), _ROOT.parent / "shared" / "seeds", _ROOT / "seeds")
S2T = OpenCC("s2t")

TEMPLATE = (
    "【社会实践报告模板】请在本页填写团队名称、指导教师、实践地点与时间。"
    "报告正文应包括：实践背景、实践过程、主要收获与反思、改进建议。"
    "本人承诺报告内容真实，引用他人成果均已注明出处。"
)
REFERENCES = (
    "\n\n参考文献\n[1] 费孝通. 乡土中国[M]. 北京: 北京大学出版社, 2012.\n"
    "[2] 陶行知. 陶行知教育文集[M]. 成都: 四川教育出版社, 2007.\n"
    "[3] Dewey J. Democracy and Education[M]. New York: Macmillan, 1916.\n"
)
_CLAUSE = re.compile(r"[^，。！？；：、,.!?;:\s\d()（）【】\[\]“”\"'《》<>-]{2,40}")


def seed_text() -> str:
    for folder in SEED_DIRS:
        files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
        if files:
            return "\n".join(f.read_text("utf-8") for f in files)
    raise FileNotFoundError("no seed texts (shared/seeds/*.txt) found")


@lru_cache(maxsize=1)
def clauses() -> tuple[str, ...]:
    return tuple(sorted(set(_CLAUSE.findall(seed_text()))))


def synthetic_body(rng: random.Random, characters: int = 3000) -> str:
    """~`characters` characters of seed-made Chinese prose (without template/references)."""
    pool = clauses()
    out: list[str] = []
    size = 0
    sentence = 0
    while size < characters:
        clause = rng.choice(pool)
        if len(clause) > 6 and rng.random() < 0.85:
            # a fragment of 2–6 characters from a random place of the clause
            length = rng.randint(2, 6)
            start = rng.randrange(0, len(clause) - length + 1)
            piece = clause[start : start + length]
        else:
            piece = clause[:8]
        out.append(piece)
        size += len(piece)
        sentence += len(piece)
        if sentence >= rng.randint(10, 24):
            mark = rng.choice("，，，、；。。")
            out.append(mark)
            size += 1
            if mark == "。" and rng.random() < 0.15:
                out.append("\n\n")
            sentence = 0
    out.append("。")
    return "".join(out)


def full_report(body: str, *, template: str = TEMPLATE, references: bool = True) -> str:
    return f"{template}\n\n{body}" + (REFERENCES if references else "")


def edited(text: str, rng: random.Random, mode: str) -> str:
    """A copied run as a copier would disguise it: light edits, Traditional script,
    punctuation changed, or as it was (`plain`)."""
    if mode == "t2s":
        return S2T.convert(text)
    if mode == "punct":
        return re.sub(r"[，。、；]", lambda _: rng.choice(["  ", ",", ". ", "", "！"]), text)
    if mode == "edit":
        chars = list(text)
        for i in range(39, len(chars), 40):
            if "\u4e00" <= chars[i] <= "\u9fff":
                chars[i] = "瞎" if chars[i] != "瞎" else "胡"
        return "".join(chars)
    return text


def copy_into(
    host: str, source: str, rng: random.Random, share: float, mode: str
) -> tuple[str, int]:
    """The host with runs of ≥ 13 characters of `source` inserted until they make about
    `share` of the result; returns (text, characters copied)."""
    target = int(share / (1 - share) * len(host)) + 1
    pieces: list[str] = []
    copied = 0
    while copied < target:
        length = rng.choice([13, 20, 30, 60, 120, 250])
        start = rng.randrange(0, max(1, len(source) - length))
        piece = source[start : start + length]
        if sum(ch.isalnum() for ch in piece) < 13:
            continue
        pieces.append(edited(piece, rng, mode))
        copied += len(piece)
    parts = re.split(r"(?<=[。；\n])", host)
    for piece in pieces:
        parts.insert(rng.randrange(len(parts) + 1), piece)
    return "".join(parts), copied
