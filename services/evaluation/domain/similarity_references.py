"""The references / bibliography section: which of a report's text the gate ignores.

Shared references are not copying, so the gate ignores them; but only what IS a
reference. A heading alone does not hide what follows it (a copier could otherwise put
a "参考文献" line before pasted prose):

- The section starts at the LAST line that is only a references heading (参考文献 /
  參考文獻 / 参考资料 / References / Bibliography, optionally numbered); the heading
  line is ignored. A report without such a line has no references section.
- The section is split into entries: when some of its lines start with a list marker
  ([1], 1., 1、, (1), （1）, ①, ...), an entry runs from a marker line to the next marker
  line or blank line (a reference wrapped over lines by a PDF stays one entry);
  otherwise every line is an entry.
- An entry is a reference, and ignored, when it is at most `MAX_ENTRY` characters
  long, holds at most one sentence end (。！？), and carries a citation sign: a
  GB/T 7714 type tag ([J], [M], [D], [EB/OL], ...), a URL or DOI, or a year
  (1900–2099) not followed by 年 or 月 (a publication year, not a date in prose).
- Everything else in the section (prose) is matched like the body.

So whatever hides behind a heading is at most a few hundred characters per entry that
looks like a citation, not the rest of the report.
"""

from __future__ import annotations

import re

MAX_ENTRY = 300  # characters of one entry (a long reference is rarely over 250)

_HEADING = re.compile(
    r"^[ \t\u3000#*\d.、()（）\[\]【】一二三四五六七八九十]*"
    r"(参考文献|參考文獻|参考资料|參考資料|references|bibliography)"
    r"[ \t\u3000:：]*$",
    re.IGNORECASE | re.MULTILINE,
)
_MARKER = re.compile(
    r"[ \t\u3000]*(\[\d{1,3}\]|［\d{1,3}］|【\d{1,3}】|[(（]\d{1,3}[)）]"
    r"|\d{1,3}[.．、)）](?!\d)|[\u2460-\u2473])"
)
_CITATION = re.compile(
    r"[\[［][A-Z]{1,2}(?:/(?:OL|CD|MT|DK))?[\]］]"  # GB/T 7714 type tags: [J] [M] [EB/OL]
    r"|https?://|www\.|\bdoi\b|\b10\.\d{4,9}/"  # a URL or a DOI
    r"|(?<!\d)(?:19|20)\d\d(?!\d)(?![年月])"  # a publication year
)
_SENTENCE_END = re.compile(r"[。！？]")


def _lines(text: str, start: int) -> list[tuple[int, int]]:
    """The [start, end) spans of the lines of text[start:], without their line breaks."""
    spans = []
    position = start
    for line in text[start:].splitlines(keepends=True):
        body = line.rstrip("\r\n")
        spans.append((position, position + len(body)))
        position += len(line)
    return spans


def _entries(text: str, lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The section's entries as original [start, end) spans (see the module docstring)."""
    marked = [_MARKER.match(text, a, b) is not None for a, b in lines]
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
        and len(_SENTENCE_END.findall(entry)) <= 1
        and _CITATION.search(entry) is not None
    )


def references_spans(text: str) -> tuple[tuple[int, int], ...]:
    """The original [start, end) spans the gate ignores: the heading line and every
    reference of the last references section, in text order; () when there is none."""
    headings = list(_HEADING.finditer(text))
    if not headings:
        return ()
    heading = headings[-1]
    spans = [(heading.start(), heading.end())]
    for a, b in _entries(text, _lines(text, heading.end())):
        if is_reference(text[a:b]):
            spans.append((a, b))
    return tuple(spans)
