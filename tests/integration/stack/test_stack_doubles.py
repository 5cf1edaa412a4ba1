"""The providers' doubles of the local stack for real: `start_doubles` runs the SMTP sink
and the SMS double as processes recorded in stack.json, mail lands as .eml files in the
state directory, the notifications service is pointed at them and at its own URL, and
`stop_services` (what `campusflow stack down` calls) stops them."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import httpx
import pytest

from services.notifications.settings import NotificationsSettings
from shared.config import service_environment
from tools.doubles.smtp import stored_messages
from tools.stack import doubles
from tools.stack.doubles import (
    DOUBLES,
    mail_dir,
    notifications_environment,
    start_doubles,
    stop_doubles,
)
from tools.stack.errors import StackError
from tools.stack.processes import record_alive, stop_services
from tools.stack.state import read_stack_state

pytestmark = pytest.mark.integration


async def test_the_doubles_run_record_receive_and_stop_with_the_services(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = start_doubles(tmp_path)
    try:
        assert set(records) == set(DOUBLES)
        recorded = (read_stack_state(tmp_path) or {})["doubles"]
        assert {name: r["pid"] for name, r in recorded.items()} == {
            name: r["pid"] for name, r in records.items()
        }
        assert all(record_alive(r) for r in records.values())
        assert records["smtp"]["dir"] == str(mail_dir(tmp_path))
        assert Path(records["smtp"]["log"]) == tmp_path / "logs" / "smtp.log"

        # Started again for the same directory: the running ones are kept.
        again = start_doubles(tmp_path)
        assert {n: r["pid"] for n, r in again.items()} == {n: r["pid"] for n, r in records.items()}

        message = EmailMessage()
        message["From"], message["To"] = "noreply@campusflow.local", "chenjing@example.cn"
        message["Subject"] = "会议提醒"
        message.set_content("今晚七点值班工作协调会")
        await aiosmtplib.send(message, hostname="127.0.0.1", port=records["smtp"]["port"])
        stored = stored_messages(mail_dir(tmp_path))
        assert [m.subject for m in stored] == ["会议提醒"]
        assert stored[0].message["To"] == "chenjing@example.cn"

        async with httpx.AsyncClient(timeout=5) as client:
            health = await client.get(f"{records['sms']['url']}/_double/health")
            assert health.status_code == 200 and health.json() == {"ok": True}

        env = notifications_environment(records, 8123)
        base = service_environment(
            "notifications",
            database_url="postgresql://x@127.0.0.1/x",
            kafka_bootstrap="127.0.0.1:9092",
            redis_url="redis://127.0.0.1:6379/0",
            http_port=8123,
        )
        for key, value in {**base, **env}.items():
            monkeypatch.setenv(key, value)
        settings = NotificationsSettings()
        assert (settings.smtp_host, settings.smtp_port) == ("127.0.0.1", records["smtp"]["port"])
        assert settings.sms_provider_url == records["sms"]["url"]
        assert settings.public_base_url == "http://127.0.0.1:8123"
    finally:
        stop_services(tmp_path)
    assert not any(record_alive(r) for r in records.values())
    assert not (read_stack_state(tmp_path) or {}).get("doubles")
    assert stop_doubles(tmp_path) == []  # nothing left: harmless


async def test_a_double_that_cannot_listen_is_reported_with_its_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = start_doubles(tmp_path / "one")
    try:
        # A second stack whose sink is handed the first one's port: it cannot listen.
        taken = iter([int(first["smtp"]["port"])])
        original = doubles.free_port
        monkeypatch.setattr(doubles, "free_port", lambda: next(taken, None) or original())
        with pytest.raises(StackError, match="smtp double exited while starting") as refused:
            start_doubles(tmp_path / "two", timeout_s=15)
        assert "last lines of" in str(refused.value)
        assert "address already in use" in str(refused.value).lower()
    finally:
        stop_services(tmp_path / "one")
        stop_services(tmp_path / "two")
    state = json.loads((tmp_path / "two" / "stack.json").read_text())
    assert not state.get("doubles")
