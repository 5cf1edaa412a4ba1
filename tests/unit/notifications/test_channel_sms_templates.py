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
