"""A college's template is refused before it is kept when it escapes the sandbox, names a
field its kind does not declare, does not parse or fails to render; rendering is strict,
worded in the recipient's locale (zh-CN for an unknown one) and zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.domain.kinds import KINDS
from services.notifications.domain.template_samples import sample_fields
from services.notifications.domain.templating import (
    body_html,
    check_template,
    render_builtin,
    render_source,
    resolve_locale,
)
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit

SHIFT = KINDS["shift_reminder"]
WAITLISTED = KINDS["applicant_waitlisted"]


def wrap(body: str, title: str = "值班提醒") -> str:
    return f"{{% block title %}}{title}{{% endblock %}}{{% block body %}}{body}{{% endblock %}}"


def refusal(kind_name: str, source: str) -> RuleBroken:
    with pytest.raises(RuleBroken) as refused:
        check_template(KINDS[kind_name], source)
    assert refused.value.field == "source" and refused.value.invalid
    return refused.value


@pytest.mark.parametrize(
    "escape",
    [
        "{{ ''.__class__ }}",
        "{{ post.__class__.__mro__ }}",
        "{{ post.format.__globals__ }}",
        "{% for c in ''.__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
        "{{ post.__init__ }}",
        "{{ 'x' * 100000 }}",
        "{{ 99 ** 99 }}",
        "{{ ((2 ** 64) ** 64) ** 64 }}",
    ],
)
def test_sandbox_escapes_are_refused(escape: str) -> None:
    assert refusal("shift_reminder", wrap(escape)).rule == "template_unsafe"


@pytest.mark.parametrize("name", ["nope", "range", "cycler", "namespace", "lipsum", "_locale"])
def test_a_name_the_kind_does_not_declare_is_refused_and_named(name: str) -> None:
    refused = refusal("shift_reminder", wrap(f"{{{{ {name} }}}} {{{{ post }}}}"))
    assert refused.rule == "undeclared_field"
    assert repr(name) in refused.message and "shift_reminder" in refused.message


def test_a_field_of_another_kind_is_refused() -> None:
    refused = refusal("shift_reminder", wrap("{{ agenda }}"))
    assert (refused.rule, "'agenda'" in refused.message) == ("undeclared_field", True)


@pytest.mark.parametrize(
    ("source", "rule"),
    [
        (wrap("{{ post "), "template_syntax"),
        (wrap("{% if post %}no end"), "template_syntax"),
        ("{% block title %}t{% endblock %}", "template_blocks"),
        ("{% block body %}b{% endblock %}", "template_blocks"),
        (wrap("{% include 'x.j2' %}"), "template_forbidden_tag"),
        ("{% extends 'base.j2' %}" + wrap("x"), "template_forbidden_tag"),
        (wrap("{% import 'm.j2' as m %}"), "template_forbidden_tag"),
        (wrap("x", title="{% if post == 'never' %}t{% endif %}"), "template_blocks"),
        (wrap("x" * 20_001), "template_too_long"),
        (wrap("x") + "{{ post }}", "template_outside_blocks"),
        ("{% set x = 1 %}" + wrap("x"), "template_outside_blocks"),
        (wrap("x") + "{% block footer %}f{% endblock %}", "template_blocks"),
    ],
)
def test_a_template_that_does_not_parse_or_stand_alone_is_refused(source: str, rule: str) -> None:
    assert refusal("shift_reminder", source).rule == rule


def test_strict_undefined_refuses_what_the_samples_do_not_have() -> None:
    refused = refusal("shift_reminder", wrap("{{ post.missing_attribute }}"))
    assert refused.rule == "template_render" and "missing_attribute" in refused.message


def test_a_template_failing_with_a_field_absent_is_refused() -> None:
    """`rank + 1` works with the sample and fails when the route gives rank=None."""
    refused = refusal("applicant_waitlisted", wrap("{{ rank + 1 }}", title="候补"))
    assert refused.rule == "template_render" and "none of" in refused.message


def test_a_good_override_renders_with_its_version() -> None:
    source = wrap("{{ post }}：{{ starts_at | campus_time }}，提前 {{ lead | duration }}")
    assert check_template(SHIFT, source).title == "值班提醒"
    rendered = render_source(SHIFT, source, sample_fields(SHIFT), locale="zh-CN", version=3)
    assert (rendered.body, rendered.version) == ("日班：2026-12-01 08:00，提前 24 小时", 3)


@pytest.mark.parametrize(
    ("asked", "used"),
    [("fr", "zh-CN"), ("", "zh-CN"), (None, "zh-CN"), ("en-GB", "en"), ("en_US", "en"),
     ("zh-TW", "zh-CN"), ("en", "en"), ("zh-CN", "zh-CN")],
)  # fmt: skip
def test_locale_falls_back_to_its_language_then_zh_cn(asked: str | None, used: str) -> None:
    assert resolve_locale(asked) == used
    rendered = render_builtin(SHIFT, asked or "", sample_fields(SHIFT))
    assert rendered.locale == used
    assert rendered.title == {"zh-CN": "值班提醒", "en": "Duty reminder"}[used]


def test_a_missing_declared_field_is_a_routing_bug() -> None:
    fields = sample_fields(SHIFT)
    del fields["place"]
    with pytest.raises(ValueError, match="place"):
        render_builtin(SHIFT, "zh-CN", fields)


def test_times_are_worded_in_the_recipients_zone() -> None:
    fields = {**sample_fields(SHIFT), "starts_at": datetime(2026, 7, 1, 0, 0, tzinfo=UTC)}
    shanghai = render_builtin(SHIFT, "en", fields)
    berlin = render_builtin(SHIFT, "en", fields, time_zone="Europe/Berlin")  # CEST, +2
    assert "2026-07-01 08:00" in shanghai.body
    assert "2026-07-01 02:00" in berlin.body


@pytest.mark.parametrize(
    ("lead", "zh", "en"),
    [
        (timedelta(hours=1), "1 小时后", "in 1 hour"),
        ("PT24H", "24 小时后", "in 24 hours"),
        (3 * 86400, "3 天后", "in 3 days"),
        ("30min", "30 分钟后", "in 30 minutes"),
    ],
)
def test_lead_times_in_words(lead: object, zh: str, en: str) -> None:
    fields = {**sample_fields(SHIFT), "lead": lead}
    assert zh in render_builtin(SHIFT, "zh-CN", fields).body
    assert en in render_builtin(SHIFT, "en", fields).body


def test_text_is_not_escaped_but_html_is() -> None:
    fields = {**sample_fields(SHIFT), "post": "<b>日班</b> & 晚班"}
    body = render_builtin(SHIFT, "zh-CN", fields).body
    assert "<b>日班</b> & 晚班" in body
    assert "&lt;b&gt;日班&lt;/b&gt; &amp; 晚班" in body_html(body)


def test_a_title_is_one_line() -> None:
    source = wrap("x", title="{{ post }}\n提醒")
    rendered = render_source(
        SHIFT, source, {**sample_fields(SHIFT), "post": "日\n班"}, locale="zh-CN", version=1
    )
    assert rendered.title == "日 班 提醒"
