"""IM bots through Apprise against local HTTP receivers standing in for DingTalk, WeCom
and Feishu (the real plugins build and sign the request; `endpoint_overrides` points
them at the receiver), and Apprise's generic json:// webhook (no override needed)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from urllib.parse import unquote

import pytest

from services.notifications.channels import SendOutcome
from services.notifications.channels.im import ImSender
from tests.e2e.notifications.channels_support import (
    ZH_BODY,
    ZH_TITLE,
    BotReceiver,
    an_outgoing,
    channel_settings,
    dead_port,
)
from tests.support.http_server import serve

pytestmark = pytest.mark.e2e

DINGTALK_TOKEN = "a1b2c3d4e5f6"
DINGTALK_SECRET = "SECa1b2c3"


@pytest.fixture
def receiver() -> Iterator[tuple[BotReceiver, str]]:
    bot = BotReceiver()
    with serve(bot.app()) as (host, port):
        yield bot, f"http://{host}:{port}"


def sender_for(base: str) -> ImSender:
    return ImSender(
        channel_settings(im_timeout_s=2.0),
        endpoint_overrides={
            "dingtalk": base + "/robot/send?access_token={token}",
            "wecombot": base + "/cgi-bin/webhook/send?key={key}",
            "feishu": base + "/open-apis/bot/v2/hook/{token}/",
        },
    )


async def test_dingtalk_bot_gets_title_and_body(receiver: tuple[BotReceiver, str]) -> None:
    bot, base = receiver
    result = await sender_for(base).send(an_outgoing("im", f"dingtalk://{DINGTALK_TOKEN}/"))
    assert result.outcome is SendOutcome.SENT, result.detail
    [request] = bot.received
    assert request["path"] == "/robot/send"
    assert request["query"]["access_token"] == DINGTALK_TOKEN
    assert request["json"]["msgtype"] == "text"
    assert request["json"]["text"]["content"] == f"{ZH_TITLE}\r\n{ZH_BODY}"


async def test_a_signed_dingtalk_bot_gets_a_valid_signature(
    receiver: tuple[BotReceiver, str],
) -> None:
    bot, base = receiver
    url = f"dingtalk://{DINGTALK_SECRET}@{DINGTALK_TOKEN}/"
    assert (await sender_for(base).send(an_outgoing("im", url))).outcome is SendOutcome.SENT
    [request] = bot.received
    timestamp = request["query"]["timestamp"]
    # DingTalk's documented check: Base64(HMAC-SHA256(secret, f"{timestamp}\n{secret}")).
    expected = base64.b64encode(
        hmac.new(
            DINGTALK_SECRET.encode(), f"{timestamp}\n{DINGTALK_SECRET}".encode(), hashlib.sha256
        ).digest()
    ).decode()
    # Apprise 2.3 percent-encodes the signature itself and requests encodes it again, so
    # the receiver sees it quoted once more than DingTalk's docs describe (see the readme).
    assert unquote(request["query"]["sign"]) == expected


async def test_wecom_bot_gets_the_message(receiver: tuple[BotReceiver, str]) -> None:
    bot, base = receiver
    result = await sender_for(base).send(an_outgoing("im", "wecombot://wecom-key_123"))
    assert result.outcome is SendOutcome.SENT, result.detail
    [request] = bot.received
    assert request["path"] == "/cgi-bin/webhook/send"
    assert request["query"]["key"] == "wecom-key_123"
    content = request["json"]["text"]["content"].replace("\r\n", "\n")
    # WeCom's text message has no title: Apprise puts it on the first line.
    assert content == f"{ZH_TITLE}\n{ZH_BODY}"


async def test_feishu_bot_gets_the_message(receiver: tuple[BotReceiver, str]) -> None:
    bot, base = receiver
    bot.answer = {"code": 0, "msg": "success", "data": {}}
    result = await sender_for(base).send(an_outgoing("im", "feishu://feishu-hook-token"))
    assert result.outcome is SendOutcome.SENT, result.detail
    [request] = bot.received
    assert request["path"] == "/open-apis/bot/v2/hook/feishu-hook-token/"
    assert request["json"]["msg_type"] == "text"
    assert request["json"]["content"]["text"] == f"{ZH_TITLE}\r\n{ZH_BODY}"


async def test_feishu_refusing_the_payload_with_http_200_is_permanent(
    receiver: tuple[BotReceiver, str],
) -> None:
    bot, base = receiver
    bot.answer = {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}
    result = await sender_for(base).send(an_outgoing("im", "feishu://feishu-hook-token"))
    assert result.outcome is SendOutcome.PERMANENT_FAILURE
    assert "19021" in result.detail


async def test_a_generic_json_webhook_needs_no_override(
    receiver: tuple[BotReceiver, str],
) -> None:
    bot, base = receiver
    url = base.replace("http://", "json://") + "/hooks/campusflow"
    result = await ImSender(channel_settings()).send(an_outgoing("im", url))
    assert result.outcome is SendOutcome.SENT, result.detail
    [request] = bot.received
    assert request["path"] == "/hooks/campusflow"
    assert request["json"]["title"] == ZH_TITLE
    assert request["json"]["message"] == ZH_BODY


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (400, SendOutcome.PERMANENT_FAILURE),
        (404, SendOutcome.PERMANENT_FAILURE),
        (429, SendOutcome.TEMPORARY_FAILURE),
        (503, SendOutcome.TEMPORARY_FAILURE),
    ],
)
async def test_receiver_answers_are_classified(
    receiver: tuple[BotReceiver, str], status: int, outcome: SendOutcome
) -> None:
    bot, base = receiver
    bot.status = status
    result = await sender_for(base).send(an_outgoing("im", f"dingtalk://{DINGTALK_TOKEN}/"))
    assert result.outcome is outcome, result.detail
    assert f"error={status}" in result.detail
    assert len(bot.received) == 1


async def test_a_dead_bot_endpoint_is_temporary() -> None:
    base = f"http://127.0.0.1:{dead_port()}"
    result = await sender_for(base).send(an_outgoing("im", "wecombot://wecom-key_123"))
    assert result.outcome is SendOutcome.TEMPORARY_FAILURE


@pytest.mark.parametrize(
    "address",
    ["mailto://li:pw@campus.edu.cn", "https://example.cn/hook", "dingtalk://bad token!/", ""],
)
async def test_urls_that_are_not_usable_im_bots_are_permanent(address: str) -> None:
    result = await sender_for(f"http://127.0.0.1:{dead_port()}").send(an_outgoing("im", address))
    assert result.outcome is SendOutcome.PERMANENT_FAILURE, address
