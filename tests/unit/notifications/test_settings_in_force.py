"""The failover overrides have one path: the validated settings' `failover_by_kind`, read
by the planner from the settings it is handed or those in force (the ones the service
started with); nothing else reads NOTIFICATIONS_FAILOVER_BY_KIND."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

import services.notifications
from services.notifications.domain.failover import fixed_order
from services.notifications.domain.kinds import KINDS, Category, failover_of
from services.notifications.domain.preferences import CategoryPreference, Channel, plan
from services.notifications.domain.reminders import SubjectKind
from services.notifications.service.escalations import _links
from services.notifications.service.reminders import leads_for
from services.notifications.settings import (
    NotificationsSettings,
    StartedNotificationsSettings,
    _from_environment,
    put_in_force,
    settings_for_use_cases,
    settings_in_force,
)
from tests.unit.notifications.test_failover_policies import LOCAL, NOON

pytestmark = pytest.mark.unit

SERVICE = Path(services.notifications.__file__).parent


@pytest.fixture(autouse=True)
def restored() -> Iterator[None]:
    before = settings_in_force()
    put_in_force(None)
    _from_environment.cache_clear()  # each test's environment is its own
    yield
    put_in_force(before)
    _from_environment.cache_clear()


def _path(kind: str, settings: NotificationsSettings | None) -> tuple[str, ...]:
    """The path the planner gives, with the overrides of `settings` (domain/preferences)."""
    the_kind = KINDS[kind]
    overrides = settings.failover_overrides if settings is not None else None
    decided = plan(
        kind=the_kind,
        preference=CategoryPreference(Category.DUTY, (Channel.INAPP, Channel.EMAIL)),
        reachable={"email", "sms"},
        quiet_hours=None,
        zone=ZoneInfo("Asia/Shanghai"),
        locale="zh-CN",
        now=NOON,
        failover=failover_of(the_kind, overrides),
    )
    return decided.channels


def test_an_override_set_in_the_settings_changes_the_path() -> None:
    settings = NotificationsSettings(**LOCAL, failover_by_kind="shift_changed=sms>email>inapp")
    assert settings.failover_overrides == {"shift_changed": fixed_order("sms", "email", "inapp")}
    assert _path("shift_changed", settings) == ("sms", "email", "inapp")
    assert _path("shift_changed", None) == ("inapp", "email")
    assert _path("shift_assigned", settings) == ("inapp", "email")  # not overridden


def test_the_started_settings_are_the_ones_in_force() -> None:
    assert settings_in_force() is None
    started = StartedNotificationsSettings(**LOCAL, failover_by_kind="shift_changed=none")
    assert settings_in_force() is started
    # Settings made elsewhere (a test's, a tool's) change nothing in force.
    NotificationsSettings(**LOCAL, failover_by_kind="shift_changed=every")
    assert settings_in_force() is started


def test_reminders_and_escalations_use_the_settings_in_force(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Their leads and links come from the started settings, not a second read of the
    environment; a process that started no service reads its environment once."""
    for name, value in LOCAL.items():
        monkeypatch.setenv(f"NOTIFICATIONS_{name.upper()}", value)
    monkeypatch.setenv("NOTIFICATIONS_SHIFT_REMINDER_LEADS_MIN", "120")
    from_environment = settings_for_use_cases()
    assert leads_for(SubjectKind.SHIFT) == (timedelta(minutes=120),)
    assert settings_for_use_cases() is from_environment
    started = StartedNotificationsSettings(
        **LOCAL, shift_reminder_leads_min="30", public_base_url="https://campus.example.edu"
    )
    assert settings_for_use_cases() is started
    assert leads_for(SubjectKind.SHIFT) == (timedelta(minutes=30),)
    assert _links(None).base_url == "https://campus.example.edu"
    put_in_force(None)
    assert settings_for_use_cases() is from_environment


def test_started_settings_with_a_bad_override_refuse_and_put_nothing_in_force(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NOTIFICATIONS_FAILOVER_BY_KIND", "shift_changed=fax")
    with pytest.raises(ValidationError, match="'fax' is not a channel"):
        StartedNotificationsSettings(**LOCAL)
    assert settings_in_force() is None


def _code(path: Path) -> str:
    """The module without its comment lines."""
    return "\n".join(
        line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")
    )


def test_nothing_else_reads_the_failover_setting() -> None:
    readers: dict[str, list[str]] = {}
    for module in sorted(SERVICE.rglob("*.py")):
        name = str(module.relative_to(SERVICE))
        code = _code(module)
        found: list[Any] = [
            what
            for what, pattern in (
                ("BaseSettings", r"\bBaseSettings\b"),
                ("os.environ / getenv", r"\bos\.environ\b|\bgetenv\("),
                ("the override parser", r"\bfailover_by_kind\("),
                ("the setting's variable", r"[\"']NOTIFICATIONS_FAILOVER_BY_KIND[\"']"),
            )
            if re.search(pattern, code)
        ]
        if found:
            readers[name] = found
    assert readers == {
        "settings.py": ["the override parser"],  # the field's validator and its reading
        "domain/kinds.py": ["the override parser"],  # its definition
        "domain/failover.py": ["the setting's variable"],  # named in its refusals
    }
