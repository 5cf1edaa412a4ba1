"""The demo's report texts, made from the seed documents (`shared/seeds/*.txt`).

Each report is its title, the committee's template lines (which every report repeats and
the similarity gate ignores), three sections of whole seed paragraphs (Traditional
script converted to Simplified, page furniture such as "小编整理" dropped) and a short
references list (ignored by the gate too). The seeds are compilations that repeat
sentences between their articles, so paragraphs are taken greedily: one sharing a run of
13 characters (after the gate's normalisation) with a paragraph already given to any
report is skipped. Two demo reports therefore share nothing but template and
references, and the only copy the gate can find is the one the demo makes on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from opencc import OpenCC

from services.evaluation.domain.similarity_text import normalise

_ROOT = Path(__file__).resolve().parents[3]
SEED_DIRS = (Path("/work/shared/seeds"), _ROOT.parent / "shared" / "seeds", _ROOT / "seeds")
RUN = 13  # the gate's k: a shared run this long is what it could match
SECTIONS = ("一、实践背景", "二、实践过程", "三、实践成果与体会")
TEMPLATE = (
    "计算机学院暑期社会实践报告（模板）\n"
    "填写说明：报告正文应包括实践背景、实践过程、实践成果与体会三个部分，正文不少于一千五百字；"
    "引用他人成果须注明出处，并在文末列出参考文献。\n"
    "本人（本团队）承诺：报告内容真实，数据来源可靠，无抄袭、编造。"
)
REFERENCES = (
    "\n\n参考文献\n"
    "[1] 费孝通. 乡土中国[M]. 北京: 北京大学出版社, 2012.\n"
    "[2] 陶行知. 陶行知教育文集[M]. 成都: 四川教育出版社, 2007.\n"
)
_FURNITURE = re.compile(r"小编|篇|精选|范文|千文|下载|导航|合集|推荐|网|www|http|xx|XX")


def _seed_files() -> list[Path]:
    for folder in SEED_DIRS:
        files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
        if files:
            return files
    raise FileNotFoundError("no seed texts (shared/seeds/*.txt) found")


@lru_cache(maxsize=1)
def seed_paragraphs() -> dict[str, tuple[str, ...]]:
    """Each seed file's usable paragraphs (by the file's 3-digit prefix), in file order."""
    simplified = OpenCC("t2s")
    found: dict[str, tuple[str, ...]] = {}
    for path in _seed_files():
        seen: set[str] = set()
        kept = []
        for line in simplified.convert(path.read_text("utf-8")).splitlines():
            paragraph = line.strip()
            if 40 <= len(paragraph) <= 600 and not _FURNITURE.search(paragraph):
                if paragraph not in seen:
                    seen.add(paragraph)
                    kept.append(paragraph)
        found[path.name[:3]] = tuple(kept)
    return found


def _runs(text: str) -> set[str]:
    normal = normalise(text).text
    return {normal[i : i + RUN] for i in range(len(normal) - RUN + 1)}


@lru_cache(maxsize=4)
def report_bodies(sources: tuple[str, ...], characters: int = 1500) -> tuple[str, ...]:
    """One body per entry of `sources` (the seed file prefix to draw from first), each of
    about `characters` characters, sharing no run of RUN characters with one another."""
    pools = seed_paragraphs()
    order = sorted(pools)
    used: set[str] = set()
    cursor = dict.fromkeys(order, 0)
    bodies = []
    for first in sources:
        chosen: list[str] = []
        size = 0
        for prefix in (first, *(p for p in order if p != first)):
            pool = pools.get(prefix, ())
            while size < characters and cursor[prefix] < len(pool):
                paragraph = pool[cursor[prefix]]
                cursor[prefix] += 1
                runs = _runs(paragraph)
                if runs & used:
                    continue
                used |= runs
                chosen.append(paragraph)
                size += len(paragraph)
            if size >= characters:
                break
        if size < characters // 2:
            raise ValueError("the seed texts ran out of distinct paragraphs")
        bodies.append(_sections(chosen))
    return tuple(bodies)


def _sections(paragraphs: Sequence[str]) -> str:
    third = max(1, len(paragraphs) // 3)
    parts = (paragraphs[:third], paragraphs[third : 2 * third], paragraphs[2 * third :])
    return "\n\n".join(
        f"{heading}\n" + "\n".join(part) for heading, part in zip(SECTIONS, parts, strict=True)
    )


def full_report(title: str, body: str) -> str:
    return f"{title}\n\n{TEMPLATE}\n\n{body}{REFERENCES}"


def with_copied_passages(own: str, source: str, share: float = 0.35) -> str:
    """`own` with whole sentences of `source` pasted into its second section until they
    make about `share` of the result (a 修订版 that copies another report)."""
    sentences = [s for s in re.split(r"(?<=[。！？])", source) if len(s) >= 2 * RUN]
    wanted = int(share / (1 - share) * len(own))
    pasted: list[str] = []
    size = 0
    for sentence in sentences:
        if size >= wanted:
            break
        pasted.append(sentence)
        size += len(sentence)
    head, middle, rest = own.partition(SECTIONS[1])
    return f"{head}{middle}\n{''.join(pasted)}{rest}"
