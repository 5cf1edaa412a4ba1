"""DingTalk and WeCom bots refusing a message with HTTP 200 and a non-zero errcode, against
local HTTP receivers standing in for them (the real Apprise plugins build, sign and send
the request): the IM channel reports a failure (temporary for the vendors' busy and
rate-limit codes, else permanent) instead of the plugins' "sent"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from services.notifications.channels import SendOutcome
from tests.e2e.notifications.channels_support import BotReceiver, an_outgoing
from tests.e2e.notifications.test_channel_im import sender_for
from tests.support.http_server import serve

pytestmark = pytest.mark.e2e

DINGTALK = "dingtalk://SECa1b2c3@a1b2c3d4e5f6/"
WECOM = "wecombot://0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


@pytest.fixture
def receiver() -> Iterator[tuple[BotReceiver, str]]:
    bot = BotReceiver()
    with serve(bot.app()) as (host, port):
        yield bot, f"http://{host}:{port}"


@pytest.mark.parametrize(
    ("address", "answer", "outcome"),
    [
        # DingTalk: keyword / signature / IP not allowed; no such token; too fast; busy.
        (DINGTALK, {"errcode": 310000, "errmsg": "keywords not in content"}, "permanent"),
        (DINGTALK, {"errcode": 300001, "errmsg": "token is not exist"}, "permanent"),
        (DINGTALK, {"errcode": 130101, "errmsg": "send too fast"}, "temporary"),
        (DINGTALK, {"errcode": -1, "errmsg": "系统繁忙"}, "temporary"),
        # WeCom: invalid webhook key; frequency limit; busy.
        (WECOM, {"errcode": 93000, "errmsg": "invalid webhook url"}, "permanent"),
        (WECOM, {"errcode": "40008", "errmsg": "invalid message type"}, "permanent"),
        (WECOM, {"errcode": 45009, "errmsg": "api freq out of limit"}, "temporary"),
        (WECOM, {"errcode": -1, "errmsg": "system busy"}, "temporary"),
    ],
)
async def test_an_http_200_refusal_is_a_failure(
    receiver: tuple[BotReceiver, str], address: str, answer: dict[str, Any], outcome: str
) -> None:
    bot, base = receiver
    bot.answer = answer
    result = await sender_for(base).send(an_outgoing("im", address))
    expected = (
        SendOutcome.PERMANENT_FAILURE if outcome == "permanent" else SendOutcome.TEMPORARY_FAILURE
    )
    assert result.outcome is expected, result
    assert f"errcode={int(answer['errcode'])}" in result.detail
    assert answer["errmsg"] in result.detail
    [request] = bot.received  # one call: the refusal was the bot's answer, not ours
    assert request["json"]["msgtype"] == "text"


@pytest.mark.parametrize("address", [DINGTALK, WECOM])
@pytest.mark.parametrize(
    "answer", [{"errcode": 0, "errmsg": "ok"}, {"errcode": "0"}, {"ok": True}, []]
)
async def test_an_accepting_answer_is_sent(
    receiver: tuple[BotReceiver, str], address: str, answer: Any
) -> None:
    bot, base = receiver
    bot.answer = answer
    result = await sender_for(base).send(an_outgoing("im", address))
    assert result.outcome is SendOutcome.SENT, result.detail
    assert len(bot.received) == 1


async def test_concurrent_sends_each_read_their_own_answer() -> None:
    """Two bots, one refusing and one accepting, sent to at the same time: each send
    sees only its own bot's answer (Apprise runs both in its worker threads)."""
    import asyncio

    refusing, accepting = BotReceiver(), BotReceiver()
    refusing.answer = {"errcode": 310000, "errmsg": "sign not match"}
    with serve(refusing.app()) as (_, bad_port), serve(accepting.app()) as (_, good_port):
        bad = sender_for(f"http://127.0.0.1:{bad_port}")
        good = sender_for(f"http://127.0.0.1:{good_port}")
        results = await asyncio.gather(
            *(sender.send(an_outgoing("im", DINGTALK)) for _ in range(5) for sender in (bad, good))
        )
    outcomes = [r.outcome for r in results]
    assert outcomes == [SendOutcome.PERMANENT_FAILURE, SendOutcome.SENT] * 5
    assert len(refusing.received) == 5 and len(accepting.received) == 5
