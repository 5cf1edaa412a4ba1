"""The references / bibliography section: which of a report's text is references.

Shared references are not copying; copied prose is, wherever it stands. So the gate
(`similarity.check`) ignores a match only when it is references on BOTH sides: the
references are not indexed, but they are still looked up, and a "reference" matching
another report's prose counts like any other copied text. Putting copied prose under a
参考文献 heading, or dressing it up as entries, hides nothing.

Which text is references:

- The section starts at the LAST line that is only a references heading (参考文献 /
  參考文獻 / 参考资料, also spaced out or as 主要参考文献; References / Bibliography /
  Works cited; optionally numbered, as in 五、 or 第五章, or bracketed, as in
  【参考文献】). The heading line itself is ignored. Without such a line there is none.
- The section is split into entries: when some of its lines start with a list marker
  ([1], 1., 1、, (1), （1）, ①, also in full-width forms), an entry runs from a marker line
  to the next marker line or blank line (a reference wrapped over lines by a PDF stays
  one entry); otherwise every line is an entry.
- An entry is a reference when it is at most `MAX_ENTRY` characters long, has at most
  `MAX_SENTENCES` sentence ends (。！？), and carries a citation sign (matched on its
  NFKC-folded text, so full-width forms count): a type tag ([J], [M], [EB/OL], ..., any
  case), a URL or DOI, a year (1500–2099), a title in 《》, or 出版社 / 学报 / Press /
  Journal / Vol. / pp.
- Everything else in the section (an appendix, acknowledgements, pasted prose) is
  matched and indexed like the body.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_ENTRY = 300  # characters of one entry (a long reference is rarely over 250)
MAX_SENTENCES = 3

_SPACE = r"[^\S\n]*"  # spaces within a line, never a line break
_HEADING = re.compile(
    r"^[ \t\u3000\xa0#*\d.、()（）\[\]【】〔〕一二三四五六七八九十第章部分节]*(?:主要)?"
    rf"({_SPACE.join('参考文献')}|{_SPACE.join('參考文獻')}|{_SPACE.join('参考资料')}"
    rf"|{_SPACE.join('參考資料')}|references?|bibliography|works{_SPACE}cited)"
    rf"{_SPACE}[:：\]】〕)）]*{_SPACE}$",
    re.IGNORECASE | re.MULTILINE,
)
_MARKER = re.compile(r"\s*(\[\d{1,3}\]|【\d{1,3}】|\(\d{1,3}\)|\d{1,3}[.、)](?!\d)|[①-⑳])")
_CITATION = re.compile(
    r"\[[a-z]{1,2}(?:/(?:ol|cd|mt|dk))?\]"  # type tags: [J] [M] [EB/OL]
    r"|https?://|www\.|\bdoi\b|\b10\.\d{4,9}/"  # a URL or a DOI
    r"|(?<!\d)(?:1[5-9]|20)\d\d(?!\d)"  # a year
    r"|《[^》]+》|出版社|学报|學報|\bpress\b|\bjournal\b|\bvol\.|\bpp\.",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[。！？]")


@dataclass(frozen=True)
class ReferencesSection:
    """Original [start, end) spans: the heading line, and each entry that is a reference."""

    heading: tuple[int, int]
    references: tuple[tuple[int, int], ...]


def _lines(text: str, start: int) -> list[tuple[int, int]]:
    """The [start, end) spans of the lines of text[start:], without their line breaks."""
    spans = []
    position = start
    for line in text[start:].splitlines(keepends=True):
        body = line.rstrip("\r\n")
        spans.append((position, position + len(body)))
        position += len(line)
    return spans


def _marked(line: str) -> bool:
    return bool(_MARKER.match(line) or _MARKER.match(unicodedata.normalize("NFKC", line)))


def _entries(text: str, lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The section's entries as original [start, end) spans (see the module docstring)."""
    marked = [_marked(text[a:b]) for a, b in lines]
    if not any(marked):
        return [(a, b) for a, b in lines if text[a:b].strip()]
    entries: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for (a, b), marker in zip(lines, marked, strict=True):
        blank = not text[a:b].strip()
        if current is not None and (marker or blank):
            entries.append(current)
            current = None
        if blank:
            continue
        current = (a, b) if current is None else (current[0], b)
    if current is not None:
        entries.append(current)
    return entries


def is_reference(entry: str) -> bool:
    """Whether one entry of a references section is a reference (see the module docstring)."""
    entry = entry.strip()
    return (
        len(entry) <= MAX_ENTRY
        and len(_SENTENCE_END.findall(entry)) <= MAX_SENTENCES
        and _CITATION.search(unicodedata.normalize("NFKC", entry)) is not None
    )


def references_section(text: str) -> ReferencesSection | None:
    """The last references section of `text` (see the module docstring), or None."""
    headings = list(_HEADING.finditer(text))
    if not headings:
        return None
    heading = headings[-1]
    entries = _entries(text, _lines(text, heading.end()))
    return ReferencesSection(
        (heading.start(), heading.end()),
        tuple((a, b) for a, b in entries if is_reference(text[a:b])),
    )
