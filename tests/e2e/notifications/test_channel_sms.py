"""SMS through the Alibaba Cloud SendSms adapter against the provider double
(tools/doubles/sms.py) served over real HTTP, in a thread and as its own process."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.notifications.channels import SendOutcome
from services.notifications.channels.sms import SmsSender, out_id_for
from services.notifications.domain.sms_templates import SMS_TEMPLATES
from tests.e2e.notifications.channels_support import (
    an_outgoing,
    channel_settings,
    dead_port,
    silent_server,
)
from tests.support.http_server import serve
from tools.doubles.sms import build_app

pytestmark = pytest.mark.e2e

ACCESS_KEY = "LTAI5tCampusflowTest:double-secret"
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def double() -> Iterator[str]:
    with serve(build_app(ACCESS_KEY)) as (host, port):
        yield f"http://{host}:{port}"


@pytest.fixture
def provider(double: str) -> Iterator[str]:
    httpx.post(f"{double}/_double/reset").raise_for_status()
    yield double


def sender_for(url: str, **changes: Any) -> SmsSender:
    return SmsSender(channel_settings(sms_provider_url=url, sms_access_key=ACCESS_KEY, **changes))


def recorded(url: str) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{url}/_double/messages").json()
    return answer


def fail(url: str, mode: str, times: int | None = 1, code: str | None = None) -> None:
    body = {"mode": mode, "times": times, "code": code}
    httpx.post(f"{url}/_double/fail", json=body).raise_for_status()


async def test_a_template_and_its_variables_reach_the_provider(provider: str) -> None:
    outgoing = an_outgoing("sms", "+86 138-0013-8000")
    result = await sender_for(provider, sms_sign_name="校团委").send(outgoing)
    assert result.outcome is SendOutcome.SENT, result.detail
    [message] = recorded(provider)["messages"]
    assert message["biz_id"] == result.provider_message_id
    assert message["phone"] == "13800138000"
    assert message["sign_name"] == "校团委"
    assert message["template_code"] == SMS_TEMPLATES["shift_reminder"].code
    assert message["template_param"] == {
        "post": "图书馆志愿服务岗",
        "place": "图书馆一楼服务台",
        "starts_at": "2026-12-01 08:30",
    }
    assert message["out_id"] == out_id_for(outgoing.idempotency_key)


async def test_a_code_reaches_the_provider_as_its_chinese_label(provider: str) -> None:
    # The provider words the message from the variables as given: a prize's code would
    # read "荣获first"; the double records what an approved template would be filled with.
    outgoing = an_outgoing(
        "sms",
        "+86 138-0013-8000",
        kind="award_granted",
        fields={"title": "乡村留守儿童阅读推广", "prize": "first"},
    )
    result = await sender_for(provider).send(outgoing)
    assert result.outcome is SendOutcome.SENT, result.detail
    [message] = recorded(provider)["messages"]
    assert message["template_code"] == SMS_TEMPLATES["award_granted"].code
    assert message["template_param"] == {"title": "乡村留守儿童阅读推广", "prize": "一等奖"}


async def test_a_request_signed_with_another_secret_is_refused_permanently(
    provider: str,
) -> None:
    sender = SmsSender(
        channel_settings(sms_provider_url=provider, sms_access_key="LTAI5tCampusflowTest:wrong")
    )
    result = await sender.send(an_outgoing("sms", "13800138000"))
    assert result.outcome is SendOutcome.PERMANENT_FAILURE
    assert "SignatureDoesNotMatch" in result.detail
    assert recorded(provider)["messages"] == []


async def test_a_temporary_outage_then_recovery(provider: str) -> None:
    sender = sender_for(provider)
    outgoing = an_outgoing("sms", "13900139000")
    fail(provider, "temporary", times=1)
    first = await sender.send(outgoing)
    assert first.outcome is SendOutcome.TEMPORARY_FAILURE
    assert "503" in first.detail and "isp.SYSTEM_ERROR" in first.detail
    second = await sender.send(outgoing)
    assert second.outcome is SendOutcome.SENT
    assert len(recorded(provider)["messages"]) == 1


async def test_throttling_is_temporary_and_a_refused_number_permanent(provider: str) -> None:
    sender = sender_for(provider)
    fail(provider, "throttle", times=1)
    throttled = await sender.send(an_outgoing("sms", "13900139000"))
    assert throttled.outcome is SendOutcome.TEMPORARY_FAILURE
    assert "isv.BUSINESS_LIMIT_CONTROL" in throttled.detail
    fail(provider, "permanent", times=None)  # every call until reset
    for _ in range(2):
        refused = await sender.send(an_outgoing("sms", "13900139000"))
        assert refused.outcome is SendOutcome.PERMANENT_FAILURE
    fail(provider, "permanent", times=1, code="isv.SMS_TEMPLATE_ILLEGAL")
    assert (await sender.send(an_outgoing("sms", "13900139000"))).outcome is (
        SendOutcome.PERMANENT_FAILURE
    )
    assert recorded(provider)["messages"] == []


async def test_a_number_that_is_not_a_mainland_mobile_never_reaches_the_provider(
    provider: str,
) -> None:
    result = await sender_for(provider).send(an_outgoing("sms", "12345"))
    assert result.outcome is SendOutcome.PERMANENT_FAILURE
    assert recorded(provider)["calls"] == 0


async def test_the_provider_does_not_dedupe_by_out_id(provider: str) -> None:
    # What a crash between the provider's OK and our record does: a second SMS.
    sender = sender_for(provider)
    outgoing = an_outgoing("sms", "13800138000")
    for attempt in (1, 2):
        retry = an_outgoing(
            "sms", outgoing.address, idempotency_key=outgoing.idempotency_key, attempt=attempt
        )
        assert (await sender.send(retry)).outcome is SendOutcome.SENT
    messages = recorded(provider)["messages"]
    assert len(messages) == 2 and messages[0]["out_id"] == messages[1]["out_id"]
    assert SmsSender.honours_idempotency_key is False


async def test_a_dead_port_and_a_silent_provider_are_temporary() -> None:
    dead = await sender_for(f"http://127.0.0.1:{dead_port()}").send(
        an_outgoing("sms", "13800138000")
    )
    assert dead.outcome is SendOutcome.TEMPORARY_FAILURE
    async with silent_server() as port:
        started = time.monotonic()
        silent = await sender_for(f"http://127.0.0.1:{port}", sms_timeout_s=0.5).send(
            an_outgoing("sms", "13800138000")
        )
        assert silent.outcome is SendOutcome.TEMPORARY_FAILURE
        assert time.monotonic() - started < 5


def test_the_double_refuses_a_bad_failure_mode(double: str) -> None:
    answer = httpx.post(f"{double}/_double/fail", json={"mode": "sometimes"})
    assert answer.status_code == 422
    answer = httpx.post(f"{double}/_double/fail", json={"mode": "temporary", "times": 0})
    assert answer.status_code == 422


async def test_the_double_runs_as_its_own_process() -> None:
    port = dead_port()
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "tools.doubles.sms", "--port", str(port), "--access-key", "k:s"),
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            deadline = time.monotonic() + 20
            while True:
                try:
                    if (await client.get(f"{url}/_double/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline and process.returncode is None, "no double"
                await asyncio.sleep(0.1)
            sender = SmsSender(channel_settings(sms_provider_url=url, sms_access_key="k:s"))
            digest = an_outgoing(
                "sms", "13700137000", kind="digest", fields={"items": [1, 2], "period": "今日"}
            )
            result = await sender.send(digest)
            assert result.outcome is SendOutcome.SENT, result.detail
            answer = await client.get(f"{url}/_double/messages", params={"phone": "13700137000"})
            [message] = answer.json()["messages"]
            assert message["template_param"] == {"items": "2", "period": "今日"}
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)
