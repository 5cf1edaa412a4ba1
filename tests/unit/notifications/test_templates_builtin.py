"""Every kind has a zh-CN and an en template, each uses only the fields its kind declares,
and each renders against the kind's sample fields and with every field absent."""

from __future__ import annotations

from datetime import timedelta
from importlib import resources

import pytest
from jinja2 import meta

from services.notifications.domain.kinds import KINDS, Kind
from services.notifications.domain.template_samples import (
    KIND_SAMPLES,
    SAMPLES,
    absent_fields,
    sample_fields,
)
from services.notifications.domain.templating import (
    _ENV,
    LOCALES,
    builtin_source,
    check_template,
    render_builtin,
)

pytestmark = pytest.mark.unit

EVERY_TEMPLATE = [
    pytest.param(kind, locale, id=f"{locale}/{kind.name}")
    for kind in KINDS.values()
    for locale in LOCALES
]


def _template_files(locale: str) -> set[str]:
    folder = resources.files("services.notifications").joinpath("templates", locale)
    return {
        entry.name.removesuffix(".j2") for entry in folder.iterdir() if entry.name.endswith(".j2")
    }


@pytest.mark.parametrize("locale", LOCALES)
def test_every_kind_has_a_template_in_every_locale_and_no_template_lacks_a_kind(
    locale: str,
) -> None:
    files = _template_files(locale)
    assert sorted(set(KINDS) - files) == [], f"kinds without a {locale} template"
    assert sorted(files - set(KINDS)) == [], f"{locale} templates of no kind"


@pytest.mark.parametrize(("kind", "locale"), EVERY_TEMPLATE)
def test_a_template_uses_only_its_kinds_declared_fields(kind: Kind, locale: str) -> None:
    used = meta.find_undeclared_variables(_ENV.parse(builtin_source(kind.name, locale)))
    assert used - kind.fields == set(), f"fields {kind.name} does not declare"


@pytest.mark.parametrize(("kind", "locale"), EVERY_TEMPLATE)
def test_a_template_renders_against_samples_and_absent_fields(kind: Kind, locale: str) -> None:
    sampled = check_template(kind, builtin_source(kind.name, locale), locale=locale)
    assert sampled.title and sampled.body
    assert "None" not in sampled.title + sampled.body
    absent = render_builtin(kind, locale, absent_fields(kind))
    assert absent.title and absent.version == 0 and absent.locale == locale
    assert "None" not in absent.title + absent.body


@pytest.mark.parametrize(("kind", "locale"), EVERY_TEMPLATE)
def test_a_template_takes_the_json_form_of_its_fields(kind: Kind, locale: str) -> None:
    """A held or digested message is rendered later from `messages.fields` (jsonb)."""
    as_json = {
        name: value.isoformat() if hasattr(value, "isoformat") else value
        for name, value in sample_fields(kind).items()
    }
    if "lead" in as_json:
        as_json["lead"] = "PT24H"
    from_json = render_builtin(kind, locale, as_json)
    from_python = render_builtin(kind, locale, sample_fields(kind))
    assert (from_json.title, from_json.body) == (from_python.title, from_python.body)


def test_every_declared_field_has_a_sample() -> None:
    declared = {field for kind in KINDS.values() for field in kind.fields}
    assert sorted(declared - SAMPLES.keys()) == []
    assert all(kind in KINDS and field in KINDS[kind].fields for kind, field in KIND_SAMPLES)


def test_zh_cn_words_times_in_the_campus_zone() -> None:
    rendered = render_builtin(
        KINDS["shift_reminder"], "zh-CN", sample_fields(KINDS["shift_reminder"])
    )
    assert rendered.title == "值班提醒"
    assert "2026-12-01 08:00（24 小时后）" in rendered.body


def test_the_applicant_notices_keep_their_wording() -> None:
    """The inbox of before (domain/notices.py) said the same; the demo and e2e read it."""
    kind = KINDS["application_received"]
    rendered = render_builtin(
        kind,
        "zh-CN",
        {"applicant_name": "李明", "campaign": "暑期支教", "submitted_at": "2026-11-30T02:30:00Z"},
    )
    assert rendered.title == "志愿者报名已提交"
    assert rendered.body == (
        "李明同学：你报名的志愿服务招募“暑期支教”已收到，提交时间 2026-11-30 10:30。"
        "请留意后续筛选与面试通知。"
    )


@pytest.mark.parametrize(
    ("what", "zh_title", "zh_words", "en_title"),
    [
        ("application", "报名截止提醒", "报名“", "Application reminder"),
        ("project", "项目申报截止提醒", "项目申报“", "Project application reminder"),
        ("report", "报告截止提醒", "社会实践报告“", "Report reminder"),
    ],
)
def test_a_deadline_reminder_names_what_closes(
    what: str, zh_title: str, zh_words: str, en_title: str
) -> None:
    kind = KINDS["deadline_reminder"]
    fields = {
        "what": what,
        "title": "2027年暑期社会实践项目申报",
        "due_at": "2027-05-15T16:00:00Z",
        "lead": timedelta(hours=24),
    }
    zh = render_builtin(kind, "zh-CN", fields)
    assert zh.title == zh_title
    assert zh.body.startswith(f"{zh_words}2027年暑期社会实践项目申报”将于 2027-05-16 00:00")
    assert render_builtin(kind, "en", fields).title == en_title
