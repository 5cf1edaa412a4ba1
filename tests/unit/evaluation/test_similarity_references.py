"""The references section: real references are ignored, and a heading hides nothing else.

Before this rule the gate cut everything after the last 参考文献 line, so a copier who put
such a line before pasted prose hid it all (the tests marked "loophole" failed then).
"""

from __future__ import annotations

import pytest

from services.evaluation.domain.similarity import check, prepare
from services.evaluation.domain.similarity_references import (
    MAX_ENTRY,
    is_reference,
    references_spans,
)

pytestmark = pytest.mark.unit

BODY = (
    "我们在暑假走进了山区的一所小学，和孩子们一起读书、做实验、踢足球。"
    "支教的第一周，我们发现孩子们对科学课特别感兴趣，于是把每天下午的时间留给了动手实验。"
)
SOURCE = (
    "社区养老服务站的志愿者每周三上午为老人测量血压，并记录在健康档案中；"
    "遇到指标异常的老人，志愿者会联系社区医生上门复查，同时提醒家属关注老人的饮食和作息。"
    "这一做法坚持了两年，服务站的老人复查率从不到三成提高到八成以上。"
)
GBT_LIST = (
    "参考文献\n"
    "[1] 费孝通. 乡土中国[M]. 北京: 北京大学出版社, 2012.\n"
    "[2] 张三, 李四. 大学生志愿服务的组织方式与\n"  # wrapped by a PDF: one entry
    "激励机制研究[J]. 中国青年研究, 2019(5): 12-18.\n"
    "[3] Dewey J. Democracy and Education. New York: Macmillan, 1916.\n"
    "[4] 教育部. 关于加强高校志愿服务工作的意见[EB/OL]. https://www.moe.gov.cn/a.html\n"
)


def ignored_text(text: str) -> str:
    """What the gate ignores, line breaks left out."""
    return "".join(text[a:b] for a, b in references_spans(text)).replace("\n", "")


def flagged(text: str) -> bool:
    source = prepare("source", SOURCE)
    return check(prepare("copy", text), [source], threshold=0.08).flagged


def test_a_reference_list_is_ignored_whole_so_the_body_alone_is_measured() -> None:
    text = f"{BODY}\n\n{GBT_LIST}"
    assert ignored_text(text) == GBT_LIST.replace("\n", "")
    assert prepare("r", text).size == prepare("r", BODY).size


def test_a_numbered_heading_and_an_unnumbered_author_year_list() -> None:
    section = (
        "五、参考文献：\n"
        "Smith, J. & Lee, K. (2020). Scheduling volunteers. Journal of Service, 12(3), 45-67.\n"
        "王五. 志愿服务管理. 北京: 高等教育出版社, 2015.\n"
    )
    text = f"{BODY}\n{section}"
    assert prepare("r", text).size == prepare("r", BODY).size


def test_loophole_prose_pasted_after_a_bare_heading_is_still_matched() -> None:
    text = f"{BODY}\n参考文献\n{SOURCE}"
    assert not ignored_text(text).count("。")
    assert flagged(text)


def test_loophole_prose_after_the_references_is_matched_and_the_references_are_not() -> None:
    text = f"{BODY}\n\n{GBT_LIST}\n{SOURCE}\n"
    assert ignored_text(text) == GBT_LIST.replace("\n", "")
    assert flagged(text)


def test_loophole_prose_glued_under_a_numbered_entry_makes_the_entry_prose() -> None:
    text = f"{BODY}\n参考文献\n[1] 费孝通. 乡土中国[M]. 北京: 北京大学出版社, 2012.\n{SOURCE}\n"
    assert ignored_text(text) == "参考文献"
    assert flagged(text)


def test_an_entry_needs_a_citation_sign_and_the_shape_of_one() -> None:
    assert is_reference("[1] 费孝通. 乡土中国[M]. 北京: 北京大学出版社, 2012.")
    assert is_reference("Dewey J. Democracy and Education. Macmillan, 1916.")
    assert is_reference("[2] 数据来源: https://data.example.edu/volunteers")
    assert is_reference("[3] Wang X. Title. doi:10.1000/xyz123")
    # a date in prose is not a publication year; a name alone is no citation
    assert not is_reference("2019年暑假，我们来到了贵州的一所小学开展支教")
    assert not is_reference("[4] 某某")
    # two sentences are prose, and so is anything longer than a reference
    assert not is_reference("我们在2019的调查中发现了问题。后来又做了一次。")
    assert not is_reference("[5] 费孝通. 乡土中国[M]. 2012." + "很" * MAX_ENTRY)


def test_only_the_last_heading_starts_the_section() -> None:
    contents = "目录\n一、引言\n二、实践过程\n参考文献\n"
    text = f"{contents}{BODY}\n\n{GBT_LIST}"
    ignored = ignored_text(text)
    assert ignored == GBT_LIST.replace("\n", "")
    assert references_spans(BODY) == ()


def test_copied_references_alone_do_not_flag() -> None:
    source = prepare("source", f"{SOURCE}\n\n{GBT_LIST}")
    copy = prepare("copy", f"{BODY}\n\n{GBT_LIST}")
    assert not check(copy, [source], threshold=0.08).matches
