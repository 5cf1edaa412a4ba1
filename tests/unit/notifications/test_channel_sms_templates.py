"""Every kind has an SMS template whose variables its kind declares; values obey the
provider's rules (strings, short)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.notifications.domain import sms_templates
from services.notifications.domain.kinds import KINDS, Category, Kind, Priority
from services.notifications.domain.sms_templates import (
    SMS_TEMPLATES,
    VARIABLE_MAX_CHARS,
    NoSmsTemplate,
    SmsTemplate,
    sms_value,
    sms_variables,
    undeclared_variables,
    unmapped_kinds,
)
from services.notifications.domain.template_samples import sample_fields
from services.notifications.domain.templating import render_builtin

pytestmark = pytest.mark.unit


def test_every_kind_has_an_sms_template() -> None:
    assert unmapped_kinds() == []
    assert set(SMS_TEMPLATES) == set(KINDS)


def test_a_kind_without_a_template_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = Kind("brand_new_kind", Category.DUTY, Priority.NORMAL, frozenset({"post"}), "新")
    monkeypatch.setitem(sms_templates.KINDS, "brand_new_kind", extra)
    assert unmapped_kinds() == ["brand_new_kind"]


def test_templates_pass_only_declared_fields() -> None:
    assert undeclared_variables() == {}


def test_a_template_using_an_undeclared_field_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = SmsTemplate("shift_assigned", "SMS_480199999", ("post", "salary"))
    monkeypatch.setitem(sms_templates.SMS_TEMPLATES, "shift_assigned", wrong)
    assert undeclared_variables() == {"shift_assigned": ["salary"]}


def test_template_codes_are_unique_and_shaped_like_the_providers() -> None:
    codes = [template.code for template in SMS_TEMPLATES.values()]
    assert len(codes) == len(set(codes))
    assert all(code.startswith("SMS_") and code[4:].isdigit() for code in codes)


def test_critical_kinds_carry_their_acknowledgement_link() -> None:
    for name, kind in KINDS.items():
        if kind.critical and "ack_url" in kind.fields:
            assert "ack_url" in SMS_TEMPLATES[name].variables, name


def test_variables_are_short_strings() -> None:
    code, variables = sms_variables(
        "shift_assigned",
        {
            "post": "图书馆志愿服务岗" * 10,
            "place": None,
            "starts_at": "2026-12-01T08:30:00+08:00",
            "ends_at": "2026-12-01T10:30:00+08:00",
        },
    )
    assert code == SMS_TEMPLATES["shift_assigned"].code
    assert set(variables) == {"post", "place", "starts_at"}
    assert all(isinstance(v, str) and 0 < len(v) <= VARIABLE_MAX_CHARS for v in variables.values())
    assert variables["post"].endswith("…")
    assert variables["place"] == "-"
    assert variables["starts_at"] == "2026-12-01 08:30"


def test_values_of_each_type() -> None:
    assert sms_value(datetime(2026, 12, 1, 8, 30, tzinfo=UTC)) == "2026-12-01 08:30"
    assert sms_value(True) == "是"
    assert sms_value([1, 2, 3]) == "3"
    assert sms_value(2.5) == "2.5"
    assert sms_value("  多个   空格\n换行 ") == "多个 空格 换行"
    assert sms_value("2026-13-45T99:99 not a time") == "2026-13-45T99:99 not a time"


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(NoSmsTemplate):
        sms_variables("no_such_kind", {})


@pytest.mark.parametrize(
    ("kind", "code", "label"),
    [
        ("staff_sanction", "warning", "警告"),
        ("staff_sanction", "notice_of_criticism", "通报批评"),
        ("staff_sanction", "dismissal", "辞退"),
        ("staff_sanction_annulled", "warning", "警告"),
        ("staff_sanction_annulled", "notice_of_criticism", "通报批评"),
        ("staff_sanction_annulled", "dismissal", "辞退"),
        ("attendance_sanction", "verbal_warning", "口头警告"),
        ("attendance_sanction", "compulsory_withdrawal", "强制性退会"),
        ("attendance_sanction", "expulsion", "开除"),
    ],
)
def test_a_sanction_is_sent_in_chinese_as_the_zh_cn_template_words_it(
    kind: str, code: str, label: str
) -> None:
    """The provider shows the variable as given: a code would read "…受到notice_of_criticism
    处分"; the label is the zh-CN template's (in-app and e-mail say the same)."""
    fields = {"sanction": code, "reason": "值班期间擅自离岗", "term": "2026-autumn"}
    template_code, variables = sms_variables(kind, fields)
    assert template_code == SMS_TEMPLATES[kind].code
    assert variables == {"sanction": label, "term": "2026-autumn"}
    zh = render_builtin(KINDS[kind], "zh-CN", fields)
    assert label in zh.body and code not in zh.body
    en = render_builtin(KINDS[kind], "en", fields)
    assert code.replace("_", " ") in en.body and label not in en.body


def test_the_annulment_has_template_49_and_an_unknown_sanction_code_is_sent_as_it_is() -> None:
    assert SMS_TEMPLATES["staff_sanction_annulled"].code == "SMS_480100049"
    assert SMS_TEMPLATES["staff_sanction"].code == "SMS_480100048"
    _, variables = sms_variables("staff_sanction", {"sanction": "reprimand", "term": None})
    assert variables == {"sanction": "reprimand", "term": "-"}


LABELLED = [
    (kind, variable, code, label)
    for (kind, variable), labels in sms_templates.SMS_LABELS.items()
    for code, label in labels.items()
]


@pytest.mark.parametrize(("kind", "variable", "code", "label"), LABELLED)
def test_every_code_a_template_variable_carries_goes_out_as_the_zh_cn_templates_word_it(
    kind: str, variable: str, code: str, label: str
) -> None:
    # A decision, a prize, how a membership ended, what a deadline is for: the SMS shows
    # the label, and the zh-CN in-app / e-mail text of the same fields says it too.
    fields = {**sample_fields(KINDS[kind]), variable: code}
    _, variables = sms_variables(kind, fields)
    assert variables[variable] == label
    zh = render_builtin(KINDS[kind], "zh-CN", fields)
    assert label in zh.title + zh.body, (kind, code, zh)
    assert code not in zh.title + zh.body


def test_the_codes_of_every_kind_that_sends_one_have_labels() -> None:
    labelled = {(kind, variable) for kind, variable, _, _ in LABELLED}
    assert {
        ("swap_decided", "decision"),
        ("leave_decided", "decision"),
        ("integrity_decided", "decision"),
        ("award_granted", "prize"),
        ("award_withdrawn", "prize"),
        ("membership_ended", "how"),
        ("deadline_reminder", "what"),
        ("attendance_sanction", "sanction"),
        ("staff_sanction", "sanction"),
    } <= labelled
