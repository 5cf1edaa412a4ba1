"""The references section: shared references are not copying, and copied prose is,
wherever it stands and however it is dressed.

Before this rule the gate cut everything after the last 参考文献 line, so a copier who put
such a line before pasted prose hid it all (the tests marked "loophole" failed then).
"""

from __future__ import annotations

import re

import pytest

from services.evaluation.domain.similarity import check, prepare
from services.evaluation.domain.similarity_references import (
    MAX_ENTRY,
    is_reference,
    references_section,
)

pytestmark = pytest.mark.unit

BODY = (
    "我们在暑假走进了山区的一所小学，和孩子们一起读书、做实验、踢足球。"
    "支教的第一周，我们发现孩子们对科学课特别感兴趣，于是把每天下午的时间留给了动手实验。"
)
OTHER_BODY = (
    "学生会外联部负责与其他院校和企业联系，争取活动赞助；本学期共走访企业十二家，"
    "签下赞助协议三份，为迎新晚会和运动会筹得经费两万余元，并建立了企业联系人名录。"
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
STYLES = (  # one list in many hands: full-width, 。 separators, 年版, dates, no year, APA
    "【参考文献】\n"
    "［１］费孝通．乡土中国［Ｍ］．北京：北京大学出版社，２０１２．\n"
    "［２］陶行知。陶行知教育文集[m]。成都：四川教育出版社，2007。\n"
    "③ 费孝通：《江村经济》，商务印书馆2001年版，第45页。\n"
    "④ 国务院办公厅：《关于深化高等学校创新创业教育改革的实施意见》，2015年5月4日。\n"
    "⑤ 鲁迅：《故乡》，人民文学出版社。\n"
    "6. Smith, J., & Lee, K. (2020). Scheduling volunteers: a study of three\n"
    "heuristics. Journal of Service Learning, 12(3), 45-67.\n"
)


def flagged(text: str, source_text: str = SOURCE) -> bool:
    return check(prepare("copy", text), [prepare("source", source_text)], threshold=0.08).flagged


def test_a_reference_list_is_references_whole_and_only_probed() -> None:
    text = f"{BODY}\n\n{GBT_LIST}"
    section = references_section(text)
    assert section is not None and len(section.references) == 4
    prepared, body = prepare("r", text), prepare("r", BODY)
    assert prepared.size == body.size
    assert prepared.fingerprints == body.fingerprints  # what is indexed: the body's only
    assert prepared.probes


@pytest.mark.parametrize(
    "heading",
    ["参考文献", "【参考文献】", "参 考 文 献", "第五章 参考文献", "五、主要参考文献：",
     "Reference", "参考文献\xa0", "References:", "## Bibliography", "  ## 五、 主要参考文献  "],
)  # fmt: skip
def test_heading_variants_start_the_section(heading: str) -> None:
    section = references_section(f"{BODY}\n{heading}\n[1] 费孝通. 乡土中国[M]. 2012.\n")
    assert section is not None and len(section.references) == 1


def test_a_heading_is_one_line() -> None:
    assert references_section(f"{BODY}\n参\n考文献\n[1] 费孝通. 乡土中国[M]. 2012.\n") is None


def test_many_reference_styles_are_references() -> None:
    section = references_section(f"{BODY}\n\n{STYLES}")
    assert section is not None and len(section.references) == 6


def test_an_entry_needs_a_citation_sign_and_the_shape_of_one() -> None:
    assert is_reference("[1] 费孝通. 乡土中国[M]. 北京: 北京大学出版社, 2012.")
    assert is_reference("[2] 数据来源: https://data.example.edu/volunteers")
    assert is_reference("[3] Wang X. Title. doi:10.1000/xyz123")
    assert not is_reference("[4] 某某")  # a name alone is no citation
    assert not is_reference("我们在2019年发现了问题。后来又做了一次。再后来。最后一次。")
    assert not is_reference("[5] 费孝通. 乡土中国[M]. 2012." + "很" * MAX_ENTRY)


def test_shared_references_in_any_style_are_not_copying() -> None:
    for section in (GBT_LIST, STYLES):
        one = prepare("one", f"{BODY}\n\n{section}")
        other = prepare("other", f"{OTHER_BODY}\n\n{section}")
        result = check(one, [other], threshold=0.08)
        assert result.containment == 0.0 and result.matches == ()


def test_loophole_prose_pasted_after_a_bare_heading_is_copying() -> None:
    assert flagged(f"{BODY}\n参考文献\n{SOURCE}")


def test_loophole_prose_pasted_after_the_references_is_copying() -> None:
    assert flagged(f"{BODY}\n\n{GBT_LIST}\n{SOURCE}\n")


def test_loophole_prose_dressed_as_references_is_copying() -> None:
    # cut into entries, each with a tag and a year, sentence ends made full stops
    chunks = [SOURCE[i : i + 40] for i in range(0, len(SOURCE), 40)]
    dressed = "".join(
        f"[{n}] {re.sub('[。，；]', '．', c)}[J]. 2019.\n" for n, c in enumerate(chunks, 1)
    )
    text = f"{BODY}\n\n{GBT_LIST}{dressed}"
    section = references_section(text)
    assert section is not None and len(section.references) == 4 + len(chunks)
    result = check(prepare("copy", text), [prepare("source", SOURCE)], threshold=0.08)
    assert result.flagged and result.containment > 0.5


def test_a_sources_references_copied_as_references_are_not_copying() -> None:
    source = f"{SOURCE}\n\n{STYLES}"
    assert not flagged(f"{BODY}\n\n{STYLES}", source)
    assert flagged(f"{BODY}\n\n{STYLES}{SOURCE}\n", source)  # its prose is


def test_only_the_last_heading_starts_the_section() -> None:
    contents = "目录\n一、引言\n二、实践过程\n参考文献\n"
    text = f"{contents}{BODY}\n\n{GBT_LIST}"
    section = references_section(text)
    assert section is not None and section.heading[0] == text.rindex("参考文献")
    assert references_section(BODY) is None
