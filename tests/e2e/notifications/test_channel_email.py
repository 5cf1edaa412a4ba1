"""Email over SMTP against a real aiosmtpd server (tools/doubles/smtp.py's sink)."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path

import pytest

from services.notifications.channels import SendOutcome
from services.notifications.channels.email import (
    DELIVERY_HEADER,
    MESSAGE_HEADER,
    EmailSender,
    message_id_for,
)
from tests.e2e.notifications.channels_support import (
    ZH_BODY,
    ZH_TITLE,
    an_outgoing,
    channel_settings,
    dead_port,
    silent_server,
)
from tools.doubles.smtp import SmtpSink, stored_messages

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[3]


async def test_a_zh_cn_message_arrives_with_the_right_headers(tmp_path: Path) -> None:
    async with SmtpSink(tmp_path) as sink:
        settings = channel_settings(smtp_port=sink.port)
        outgoing = an_outgoing("email", "li.lei@campus.edu.cn")
        result = await EmailSender(settings).send(outgoing)
        assert result.outcome is SendOutcome.SENT, result.detail
        [stored] = sink.messages()
    raw_head = stored.path.read_bytes().split(b"\r\n\r\n")[0]
    assert b"=?utf-8?" in raw_head  # RFC 2047 encoded words, UTF-8
    assert all(byte < 128 for byte in raw_head)  # the header block is pure ASCII
    m = stored.message
    assert m["Subject"] == ZH_TITLE  # decodes back exactly
    assert parseaddr(m["From"]) == ("校园志愿平台", "noreply@campusflow.edu.cn")
    assert parseaddr(m["To"])[1] == "li.lei@campus.edu.cn"
    sent_at = parsedate_to_datetime(m["Date"])
    assert abs(sent_at.timestamp() - time.time()) < 60
    expected_id = message_id_for(outgoing.idempotency_key, settings.email_from)
    assert m["Message-ID"] == expected_id == result.provider_message_id
    assert m[MESSAGE_HEADER] == str(outgoing.message_id)
    assert m[DELIVERY_HEADER] == str(outgoing.delivery_id)
    plain = m.get_body(("plain",))
    assert plain is not None
    assert plain.get_content_charset() == "utf-8"
    assert plain.get_content().replace("\r\n", "\n") == ZH_BODY + "\n"
    html = m.get_body(("html",))
    assert html is not None and "请提前十分钟签到" in html.get_content()


async def test_every_attempt_of_one_delivery_has_the_same_message_id(tmp_path: Path) -> None:
    async with SmtpSink(tmp_path) as sink:
        sender = EmailSender(channel_settings(smtp_port=sink.port))
        first = an_outgoing("email", "han.meimei@campus.edu.cn")
        other = an_outgoing("email", "han.meimei@campus.edu.cn")
        retry = an_outgoing(
            "email", first.address, idempotency_key=first.idempotency_key, attempt=2
        )
        for outgoing in (first, retry, other):
            assert (await sender.send(outgoing)).outcome is SendOutcome.SENT
        ids = [stored.message["Message-ID"] for stored in sink.messages()]
    # The SMTP server itself does not dedupe (honours_idempotency_key is False) ...
    assert len(ids) == 3
    # ... but the two copies of one delivery carry one Message-ID a receiver can dedupe by.
    assert ids[0] == ids[1] != ids[2]
    assert EmailSender.honours_idempotency_key is False


async def test_a_550_mailbox_unavailable_is_permanent(tmp_path: Path) -> None:
    refusals = {"gone@campus.edu.cn": "550 5.1.1 mailbox unavailable"}
    async with SmtpSink(tmp_path, refuse_recipients=refusals) as sink:
        sender = EmailSender(channel_settings(smtp_port=sink.port))
        result = await sender.send(an_outgoing("email", "gone@campus.edu.cn"))
        assert result.outcome is SendOutcome.PERMANENT_FAILURE
        assert "550" in result.detail
        assert sink.messages() == []


async def test_a_553_on_data_is_permanent_and_a_451_temporary(tmp_path: Path) -> None:
    async with SmtpSink(tmp_path / "a", data_reply="553 5.1.3 bad mailbox name") as sink:
        result = await EmailSender(channel_settings(smtp_port=sink.port)).send(
            an_outgoing("email", "x@campus.edu.cn")
        )
        assert result.outcome is SendOutcome.PERMANENT_FAILURE
    async with SmtpSink(tmp_path / "b", data_reply="451 4.3.0 try again later") as sink:
        result = await EmailSender(channel_settings(smtp_port=sink.port)).send(
            an_outgoing("email", "x@campus.edu.cn")
        )
        assert result.outcome is SendOutcome.TEMPORARY_FAILURE
        assert "451" in result.detail
    assert stored_messages(tmp_path / "a") == stored_messages(tmp_path / "b") == []


async def test_a_dead_port_is_temporary() -> None:
    sender = EmailSender(channel_settings(smtp_port=dead_port()))
    result = await sender.send(an_outgoing("email", "li.lei@campus.edu.cn"))
    assert result.outcome is SendOutcome.TEMPORARY_FAILURE


async def test_a_server_that_never_greets_times_out_as_temporary() -> None:
    async with silent_server() as port:
        sender = EmailSender(channel_settings(smtp_port=port, smtp_timeout_s=0.5))
        started = time.monotonic()
        result = await sender.send(an_outgoing("email", "li.lei@campus.edu.cn"))
        assert result.outcome is SendOutcome.TEMPORARY_FAILURE
        assert time.monotonic() - started < 5


async def test_a_malformed_address_is_permanent_without_connecting() -> None:
    # Nothing listens on this port: a connection attempt would be a temporary failure.
    sender = EmailSender(channel_settings(smtp_port=dead_port()))
    for address in ("not-an-address", "two@@campus.edu.cn", "李雷@campus.edu.cn"):
        result = await sender.send(an_outgoing("email", address))
        assert result.outcome is SendOutcome.PERMANENT_FAILURE, address


async def test_the_sink_runs_as_its_own_process_and_lists_what_arrived(tmp_path: Path) -> None:
    port = dead_port()
    command = (sys.executable, "-m", "tools.doubles.smtp", "--dir", str(tmp_path / "mail"))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = await asyncio.create_subprocess_exec(*command, "--port", str(port), cwd=REPO, env=env)
    try:
        sender = EmailSender(channel_settings(smtp_port=port))
        deadline = time.monotonic() + 20
        while True:
            result = await sender.send(an_outgoing("email", "li.lei@campus.edu.cn"))
            if result.outcome is SendOutcome.SENT:
                break
            assert result.outcome is SendOutcome.TEMPORARY_FAILURE, result.detail
            assert time.monotonic() < deadline and process.returncode is None, "no sink"
            await asyncio.sleep(0.1)
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)
    listing = await asyncio.create_subprocess_exec(
        *command, "--list", cwd=REPO, env=env, stdout=asyncio.subprocess.PIPE
    )
    stdout, _ = await listing.communicate()
    assert listing.returncode == 0
    [line] = stdout.decode("utf-8").splitlines()
    assert line.endswith(f"\t{ZH_TITLE}") and "li.lei@campus.edu.cn" in line


async def test_one_kept_connection_carries_many_messages(tmp_path: Path) -> None:
    async with SmtpSink(tmp_path) as sink:
        sender = EmailSender(channel_settings(smtp_port=sink.port))
        for n in range(3):
            outgoing = an_outgoing("email", f"student{n}@campus.edu.cn")
            assert (await sender.send(outgoing)).outcome is SendOutcome.SENT
        assert sink.connections == 1
        assert len(sink.messages()) == 3
        await sender.aclose()


async def test_a_kept_connection_the_server_dropped_is_replaced(tmp_path: Path) -> None:
    sink = await SmtpSink(tmp_path).start()
    sender = EmailSender(channel_settings(smtp_port=sink.port))
    assert (await sender.send(an_outgoing("email", "a@campus.edu.cn"))).outcome is (
        SendOutcome.SENT
    )
    await sink.stop()  # drops the kept connection
    await asyncio.sleep(0.05)
    again = await SmtpSink(tmp_path, port=sink.port).start()
    try:
        result = await sender.send(an_outgoing("email", "b@campus.edu.cn"))
        assert result.outcome is SendOutcome.SENT, result.detail
        assert again.connections == 1
        assert [m.message["To"] for m in again.messages()] == [
            "a@campus.edu.cn",
            "b@campus.edu.cn",
        ]
    finally:
        await again.stop()
