"""The similarity gate on a labelled set built from the seed texts.

Reports are ~1,500–3,000-character chunks of the seeds, each with the committee's
template paragraph and a shared references section. Positive cases copy runs of
various lengths (≥ 13 characters) from another report, covering 10–40% of the
host, with light edits, Traditional/Simplified conversion and punctuation
changes; negatives are the unrelated reports themselves.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from opencc import OpenCC

from services.evaluation.domain.similarity import (
    PreparedReport,
    Template,
    check,
    document_frequencies,
    kgram_hashes,
    prepare,
    winnow,
)
from services.evaluation.domain.similarity_text import normalise

pytestmark = pytest.mark.unit

SEEDS = Path("/work/shared/seeds")
if not SEEDS.is_dir():
    SEEDS = Path(__file__).resolve().parents[3] / ".." / "shared" / "seeds"

TEMPLATE = (
    "【实践报告模板】请在本页填写团队名称、指导教师、实践地点与时间。"
    "报告正文应包括：实践背景、实践过程、主要收获与反思、改进建议。"
    "Please state the team name, the advisor and the dates of the practice."
)
REFERENCES = (
    "\n\n参考文献\n[1] 习近平. 在北京大学师生座谈会上的讲话[N]. 人民日报, 2018-05-03.\n"
    "[2] Dewey J. Democracy and Education[M]. New York: Macmillan, 1916.\n"
    "[3] 费孝通. 乡土中国[M]. 北京: 北京大学出版社, 2012.\n"
)
WORDS = (
    "team school village survey teacher pupil volunteer budget river farm library clinic "
    "lesson reading garden market elder family bridge harvest museum festival water road"
).split()
THRESHOLD = 0.08
SENTENCE_ENDS = re.compile("[。！？\n]")
DF_CAP = 10
S2T = OpenCC("s2t")
T2S = OpenCC("t2s")


def _chunks() -> list[tuple[int, str]]:
    """(seed file number, chunk); chunks of one seed may share text, so never paired."""
    chunks: list[tuple[int, str]] = []
    for number, path in enumerate(sorted(SEEDS.glob("*.txt"))):
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", path.read_text("utf-8")) if p.strip()]
        current = ""
        for para in paragraphs:
            current = f"{current}\n\n{para}" if current else para
            if len(current) >= 1500:
                chunks.append((number, current[:3000]))
                current = ""
        if len(current) >= 1500:
            chunks.append((number, current))
    return chunks


def _report(body: str, rng: random.Random) -> str:
    english = " ".join(rng.choice(WORDS) for _ in range(30)).capitalize() + "."
    return f"{TEMPLATE}\n\n{body}\n\n{english}{REFERENCES}"


def _edit(text: str, rng: random.Random) -> str:
    """Light edits: about one character in 40 replaced, punctuation changed."""
    out = []
    for i, ch in enumerate(text):
        if ch in "，,":
            out.append(rng.choice(["、", " ", ",", ""]))
        elif ch in "。":
            out.append(rng.choice([".", "；", "!"]))
        elif i % 40 == 39 and "\u4e00" <= ch <= "\u9fff":
            out.append("瞎" if ch != "瞎" else "胡")
        else:
            out.append(ch)
    return "".join(out)


class Corpus:
    def __init__(self) -> None:
        rng = random.Random(9)
        chunks = _chunks()
        self.files = [f for f, _ in chunks]
        self.bodies = [b for _, b in chunks]
        self.texts = [_report(b, rng) for b in self.bodies]
        self.template = Template.of([TEMPLATE])
        self.prepared = [prepare(f"r{i}", t, self.template) for i, t in enumerate(self.texts)]
        self.df = document_frequencies(self.prepared)

    def others(self, index: int) -> list[PreparedReport]:
        """The reports of other seed files (unrelated to this one)."""
        return [p for j, p in enumerate(self.prepared) if self.files[j] != self.files[index]]


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus()


def _copy_case(corpus: Corpus, rng: random.Random, share: float, mode: str) -> dict[str, object]:
    n = len(corpus.bodies)
    host = rng.randrange(n)
    source = rng.choice([j for j in range(n) if corpus.files[j] != corpus.files[host]])
    src = corpus.bodies[source]
    host_body = corpus.bodies[host]
    target = int(share * len(normalise(host_body).text)) + 1
    pieces: list[tuple[int, int, str]] = []
    copied = 0
    while copied < target:
        length = rng.choice([13, 20, 30, 60, 120, 250])
        start = rng.randrange(0, max(1, len(src) - length))
        piece = src[start : start + length]
        if len(normalise(piece).text) < 13:
            continue
        if mode == "edit":
            piece = _edit(piece, rng)
        elif mode == "t2s":
            piece = S2T.convert(piece) if T2S.convert(piece) == piece else T2S.convert(piece)
        elif mode == "punct":
            piece = re.sub(r"[，。、：；]", lambda m: rng.choice(["  ", ",", ". ", ""]), piece)
        pieces.append((start, start + length, piece))
        copied += len(normalise(piece).text)
    parts = re.split(r"(?<=[。！？\n])", host_body)
    for _, _, piece in pieces:
        parts.insert(rng.randrange(len(parts) + 1), piece)
    text = _report("".join(parts), rng)
    return {"host": host, "source": source, "text": text, "pieces": pieces}


def test_normalise_maps_positions_back() -> None:
    text = "後來，ＡＢＣ Hello 發現！\n參考文獻\n[1] x"
    normal = normalise(text, 0, text.index("\n參考"))
    assert normal.text == "后来abchello发现"
    a, b = normal.original_span(0, len(normal.text))
    assert normalise(text[a:b]).text == normal.text


def test_references_cut_and_template_ignored() -> None:
    template = Template.of([TEMPLATE])
    prepared = prepare("a", TEMPLATE + REFERENCES, template)
    assert prepared.fingerprints == ()
    assert prepared.size == 0


def test_winnowing_guarantee() -> None:
    rng = random.Random(1)
    shared = "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(20))
    a = "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(300)) + shared
    b = shared + "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(300))
    fa = {f.hash for f in winnow(kgram_hashes(a, 13), 8)}
    fb = {f.hash for f in winnow(kgram_hashes(b, 13), 8)}
    assert fa & fb


def test_labelled_set_recall_and_false_flags(corpus: Corpus) -> None:
    rng = random.Random(2026)
    found = 0
    cases = 0
    for share in (0.10, 0.15, 0.25, 0.40):
        for mode in ("plain", "edit", "t2s", "punct"):
            for _ in range(6):
                case = _copy_case(corpus, rng, share, mode)
                host, source = case["host"], case["source"]
                assert isinstance(host, int) and isinstance(source, int)
                text = str(case["text"])
                query = prepare("q", text, corpus.template)
                result = check(query, corpus.others(host), corpus.df, DF_CAP, THRESHOLD)
                cases += 1
                hit = result.flagged and any(m.source_id == f"r{source}" for m in result.matches)
                found += hit
                for match in result.matches:
                    src_text = corpus.texts[int(match.source_id[1:])]
                    for p in match.passages:
                        passage = query.normal.text[p.start : p.end]
                        assert normalise(text[p.original_start : p.original_end]).text == passage
                        src_slice = src_text[p.source_original_start : p.source_original_end]
                        assert normalise(src_slice).text == passage
    recall = found / cases
    false_flags = 0
    for i, prepared in enumerate(corpus.prepared):
        result = check(prepared, corpus.others(i), corpus.df, DF_CAP, THRESHOLD)
        false_flags += result.flagged
    rate = false_flags / len(corpus.prepared)
    print(
        f"recall={recall:.3f} over {cases}; false_flag_rate={rate:.3f} over {len(corpus.prepared)}"
    )
    assert recall >= 0.9
    assert rate <= 0.02


def test_mixed_chinese_english_copy_found_with_positions() -> None:
    copied = "我们使用Python和PostgreSQL搭建了留守儿童档案系统，覆盖214户家庭，Response rate约87%。"
    source_text = "暑期社会实践总结。" + copied + "此后我们又走访了三所乡村学校。"
    rewritten = S2T.convert(copied).replace("Python", "Ｐｙｔｈｏｎ").replace("，", " , ")
    query_text = (
        "本次报告记录了我们团队的调研经过与思考。" + rewritten + "最后谈谈不足之处和改进方向。"
    )
    source = prepare("s", source_text)
    query = prepare("q", query_text)
    result = check(query, [source], threshold=0.3)
    assert result.flagged
    (match,) = result.matches
    longest = max(match.passages, key=lambda p: p.length)
    assert longest.length == len(normalise(copied).text)
    assert query_text[longest.original_start : longest.original_end] == rewritten.rstrip("%。")
    assert source_text[
        longest.source_original_start : longest.source_original_end
    ] == copied.rstrip("%。")


def test_unrelated_short_texts_not_flagged() -> None:
    a = prepare("a", "我们团队前往山区小学开展支教活动，为孩子们讲授科学课程。")
    b = prepare("b", "学生会外联部负责与其他院校和企业联系，争取活动赞助。")
    result = check(a, [b])
    assert not result.flagged and result.matches == ()


def test_labelled_copies_pasted_under_a_references_heading_are_found(corpus: Corpus) -> None:
    """A copier who pastes the copied runs after a 参考文献 heading (a bare one, after the
    real references, or dressed up as entries with tags and years) hides nothing."""
    rng = random.Random(2027)
    found = cases = 0
    for share in (0.10, 0.15, 0.25, 0.40):
        for shape in ("bare heading", "after the references", "dressed as references"):
            for _ in range(4):
                case = _copy_case(corpus, rng, share, rng.choice(["plain", "edit", "t2s"]))
                host, source = case["host"], case["source"]
                assert isinstance(host, int) and isinstance(source, int)
                pieces = case["pieces"]
                assert isinstance(pieces, list)
                if shape == "bare heading":
                    tail = "\n\n参考文献\n" + "".join(piece for _, _, piece in pieces)
                elif shape == "after the references":
                    tail = REFERENCES + "\n" + "".join(piece for _, _, piece in pieces)
                else:
                    tail = REFERENCES + "".join(
                        f"[{n}] {SENTENCE_ENDS.sub('．', piece)}[J]. 2019.\n"
                        for n, (_, _, piece) in enumerate(pieces, 4)
                    )
                text = f"{TEMPLATE}\n\n{corpus.bodies[host]}{tail}"
                query = prepare("q", text, corpus.template)
                result = check(query, corpus.others(host), corpus.df, DF_CAP, THRESHOLD)
                cases += 1
                found += result.flagged and any(m.source_id == f"r{source}" for m in result.matches)
    recall = found / cases
    print(f"recall under a references heading={recall:.3f} over {cases}")
    assert recall >= 0.9
