"""The stored index only matches while fingerprinting stays what it was: these values were
computed with the fingerprinting as it stood before the faster one (commit 81972ea's
parent). A change of hash, normalisation or winnowing fails here instead of silently
stopping every new check from finding the reports indexed before it."""

from __future__ import annotations

import pytest

from services.evaluation.domain.similarity import kgram_hash, kgram_hashes, prepare

pytestmark = pytest.mark.unit

TEXT = (
    "第一章 引言\n本报告研究了校园志愿服务的组织方式，比较了三种排班算法的效果。"
    "We compare three scheduling heuristics for campus volunteers.\n参考文献\n[1] 某某"
)
PRINTS = [
    (85784185621998703, 5),
    (513555898156561230, 11),
    (920771221626820200, 19),
    (694475237106002298, 20),
    (693775229502557527, 22),
    (736714007573484900, 27),
    (1285815420820507194, 30),
    (2853479872422425552, 35),
    (192148202951533910, 39),
    (635524182550600888, 40),
    (2832114464359534417, 46),
    (2378884879552068338, 50),
    (1256268211631083040, 52),
    (1172246200981912055, 54),
    (144132412647628229, 57),
    (636187512459630495, 62),
    (207331879170755209, 67),
]


def test_a_kgram_hashes_as_it_always_did() -> None:
    assert kgram_hash("abcdefghijklm") == 7750987041800644706
    assert kgram_hash("混合English文本，测试混合") == 7794889260101185693
    assert kgram_hashes("abcdefghijklm", 13) == [7750987041800644706]


def test_a_reports_fingerprints_are_those_the_index_was_built_with() -> None:
    prepared = prepare("r", TEXT)
    body = (
        "第一章引言本报告研究了校园志愿服务的组织方式比较了三种排班算法的效果"
        "wecomparethreeschedulingheuristicsforcampusvolunteers"
    )
    assert prepared.normal.text == body + "参考文献1某某"
    assert prepared.size == len(body) + len("1某某")  # a name without a citation is prose
    assert [(f.hash, f.position) for f in prepared.fingerprints] == PRINTS
