"""A college admin overrides a kind's wording on the running service: each save is a new
version, the latest in use (the pipeline's render_message words with it), other locales
and colleges keep the built-in template, a revert goes back to it and is recorded."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from services.notifications.domain.kinds import KINDS
from services.notifications.service.templates import render_message
from tests.e2e.notifications.templates_support import (
    SHIFT_OVERRIDE,
    Templates,
    connect,
    new_college,
    refusal,
    versions_kept,
)

pytestmark = pytest.mark.e2e

SHIFT = {
    "post": "图书馆值班",
    "place": "图书馆一楼",
    "starts_at": datetime(2026, 12, 1, 0, 0, tzinfo=UTC),
    "lead": "PT1H",
}


def test_every_kind_is_listed_with_its_fields_and_built_in_templates(
    services: dict[str, str],
) -> None:
    admin = Templates(services["notifications"], new_college())
    response = admin.kinds()
    assert response.status_code == 200, response.text
    listed = {item["kind"]: item for item in response.json()["items"]}
    assert listed.keys() == KINDS.keys()
    shift = listed["shift_reminder"]
    assert shift["fields"] == sorted(KINDS["shift_reminder"].fields)
    assert (shift["category"], shift["priority"]) == ("reminders", "normal")
    assert listed["incident_alert"]["priority"] == "critical"
    for template in shift["templates"]:
        assert (template["version"], template["builtin"], template["saved_by"]) == (0, True, None)
        assert "{% block title %}" in template["source"]
    assert [t["locale"] for t in shift["templates"]] == ["zh-CN", "en"]


async def test_saves_are_versions_the_latest_in_use_and_a_revert_is_recorded(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    college = new_college()
    admin = Templates(services["notifications"], college)
    dsn = service_dsns["notifications"]

    first = admin.save("shift_reminder", "zh-CN", {"source": SHIFT_OVERRIDE})
    assert first.status_code == 200, first.text
    assert (first.json()["version"], first.json()["saved_by"]) == (1, admin.user_id)
    second_source = SHIFT_OVERRIDE.replace("开始", "准时开始")
    second = admin.save("shift_reminder", "zh-CN", {"source": second_source})
    assert second.json()["version"] == 2

    effective = admin.effective("shift_reminder", "zh-CN")
    assert (effective["version"], effective["builtin"], effective["source"]) == (
        2,
        False,
        second_source,
    )
    assert admin.effective("shift_reminder", "en")["builtin"] is True
    versions = admin.versions("shift_reminder", "zh-CN").json()
    assert [v["version"] for v in versions["items"]] == [2, 1] and versions["total"] == 2

    conn = await connect(dsn)
    try:
        worded = await render_message(
            conn, college=college, kind="shift_reminder", locale="zh-CN", fields=SHIFT
        )
        assert (worded.title, worded.version) == ("【值班】图书馆值班", 2)
        assert worded.body == "图书馆值班：2026-12-01 08:00 准时开始，图书馆一楼。"
        # An unknown locale falls back to zh-CN, and so to the college's override.
        fallback = await render_message(
            conn, college=college, kind="shift_reminder", locale="fr", fields=SHIFT
        )
        assert (fallback.locale, fallback.version) == ("zh-CN", 2)
        english = await render_message(
            conn, college=college, kind="shift_reminder", locale="en", fields=SHIFT
        )
        assert (english.title, english.version) == ("Duty reminder", 0)
        other = await render_message(
            conn, college=new_college(), kind="shift_reminder", locale="zh-CN", fields=SHIFT
        )
        assert (other.title, other.version) == ("值班提醒", 0)
        assert "（1 小时后）" in other.body
    finally:
        await conn.close()

    reverted = admin.revert("shift_reminder", "zh-CN")
    assert reverted.status_code == 200, reverted.text
    assert (reverted.json()["builtin"], reverted.json()["version"]) == (True, 0)
    history = admin.versions("shift_reminder", "zh-CN").json()
    latest = history["items"][0]
    assert (latest["version"], latest["source"], history["total"]) == (3, None, 3)
    assert admin.revert("shift_reminder", "zh-CN").status_code == 200  # already built-in
    assert await versions_kept(dsn, college) == 3

    conn = await connect(dsn)
    try:
        worded = await render_message(
            conn, college=college, kind="shift_reminder", locale="zh-CN", fields=SHIFT
        )
        assert (worded.title, worded.version) == ("值班提醒", 0)
    finally:
        await conn.close()


def test_preview_renders_samples_given_fields_and_unsaved_sources(
    services: dict[str, str],
) -> None:
    admin = Templates(services["notifications"], new_college())
    sample = admin.preview("meeting_scheduled", {"locale": "zh-CN"})
    assert sample.status_code == 200, sample.text
    assert sample.json()["title"] == "会议通知" and sample.json()["version"] == 0
    assert "议程" in sample.json()["body"]

    given = admin.preview(
        "shift_reminder",
        {
            "locale": "en",
            "time_zone": "Europe/London",
            "fields": {"post": "Library desk", "starts_at": "2026-12-01T00:00:00Z", "lead": 3600},
        },
    )
    assert given.status_code == 200, given.text
    assert "at 2026-12-01 00:00 (in 1 hour): Library desk" in given.json()["body"]

    unsaved = admin.preview("shift_reminder", {"source": SHIFT_OVERRIDE})
    assert unsaved.json()["title"] == "【值班】日班"
    assert admin.effective("shift_reminder", "zh-CN")["builtin"] is True  # nothing kept

    undeclared = admin.preview("shift_reminder", {"fields": {"agenda": "x"}})
    assert refusal(undeclared)[:2] == (422, "fields.agenda")
    bad_zone = admin.preview("shift_reminder", {"time_zone": "Mars/Base"})
    assert bad_zone.status_code == 422 and "time_zone" in bad_zone.text
    escape = SHIFT_OVERRIDE.replace("{{ post }}：", "{{ post.__class__.__mro__ }}")
    unsafe = admin.preview("shift_reminder", {"source": escape})
    assert refusal(unsafe)[:3] == (422, "source", "template_unsafe")


def test_concurrent_saves_each_get_their_own_version(services: dict[str, str]) -> None:
    admin = Templates(services["notifications"], new_college())
    sources = [SHIFT_OVERRIDE.replace("开始", f"开始（第 {n} 稿）") for n in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        saved = list(pool.map(lambda s: admin.save("shift_reminder", "en", {"source": s}), sources))
    assert [r.status_code for r in saved] == [200] * 6
    assert sorted(r.json()["version"] for r in saved) == [1, 2, 3, 4, 5, 6]
    latest = max(saved, key=lambda r: r.json()["version"]).json()
    assert admin.effective("shift_reminder", "en")["source"] == latest["source"]


async def test_an_override_failing_on_real_fields_gives_way_to_the_built_in(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    """An override kept before its kind lost a field (here written straight to the table)
    no longer compiles: the message is worded with the built-in template, not lost."""
    college = new_college()
    conn = await connect(service_dsns["notifications"])
    try:
        await conn.execute(
            "INSERT INTO template_versions (college, kind, locale, version, source, saved_by,"
            " saved_at) VALUES ($1, 'shift_reminder', 'zh-CN', 1, $2, 'x', now())",
            college,
            SHIFT_OVERRIDE.replace("{{ post }}：", "{{ retired_field }}："),
        )
        worded = await render_message(
            conn, college=college, kind="shift_reminder", locale="zh-CN", fields=SHIFT
        )
        assert (worded.title, worded.version) == ("值班提醒", 0)
        with pytest.raises(ValueError, match="ends_at"):
            await render_message(
                conn,
                college=college,
                kind="shift_assigned",
                locale="zh-CN",
                fields={"post": "x", "place": None, "starts_at": None},
            )
    finally:
        await conn.close()
