"""Reading DingTalk's and WeCom's HTTP-200 answers (channels/im_answers.py): the stand-in
is in place for both plugins, a send that is not listening sees nothing changed, and an
answer's errcode is read as the vendors write it."""

from __future__ import annotations

import apprise.plugins.dingtalk
import apprise.plugins.feishu
import apprise.plugins.wecombot
import pytest
import requests

from services.notifications.channels import SendOutcome
from services.notifications.channels.im_answers import (
    AnswerReadingRequests,
    Refusal,
    answers_heard,
    listening_plugins,
    refusal_in,
    refused,
)

pytestmark = pytest.mark.unit


def test_both_plugins_post_through_the_answer_reading_stand_in() -> None:
    """Fails when an Apprise upgrade stops posting through its module's `requests`."""
    assert listening_plugins() == {"dingtalk", "wecombot"}
    for module in (apprise.plugins.dingtalk, apprise.plugins.wecombot):
        assert isinstance(module.requests, AnswerReadingRequests)
        # Everything but post is the real module's.
        assert module.requests.codes.ok == 200
        assert module.requests.RequestException is requests.RequestException
    assert apprise.plugins.feishu.requests is requests  # Feishu reads its body itself


@pytest.mark.parametrize(
    ("body", "found"),
    [
        (
            b'{"errcode": 310000, "errmsg": "keywords not in content"}',
            Refusal(310000, "keywords not in content"),
        ),
        (
            '{"errcode": "93000", "errmsg": "invalid webhook url"}',
            Refusal(93000, "invalid webhook url"),
        ),
        (b'{"errcode": -1}', Refusal(-1, "")),
        (b'{"errcode": 0, "errmsg": "ok"}', None),
        (b'{"errcode": "0"}', None),
        (b'{"errcode": true}', None),
        (b'{"errcode": "abc"}', None),
        (b'{"errcode": null}', None),
        (b"[]", None),
        (b"not json", None),
        (b"", None),
        (None, None),
    ],
)
def test_an_answers_errcode_is_read(body: bytes | str | None, found: Refusal | None) -> None:
    assert refusal_in(body) == found


class _Answer:
    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code = status_code
        self.content = content


def test_only_dingtalk_and_wecom_answers_with_http_200_count() -> None:
    refusal = _Answer(200, b'{"errcode": 130101, "errmsg": "send too fast"}')
    assert refused("dingtalk", [refusal]).outcome is SendOutcome.TEMPORARY_FAILURE  # type: ignore[union-attr]
    assert refused("wecombot", [refusal]).outcome is SendOutcome.PERMANENT_FAILURE  # type: ignore[union-attr]
    assert refused("feishu", [refusal]) is None
    assert refused("json", [refusal]) is None
    assert refused("dingtalk", [_Answer(500, refusal.content)]) is None  # Apprise's own
    assert refused("dingtalk", []) is None


def test_only_a_listening_send_hears_the_answers_and_nothing_else_changes() -> None:
    answer = _Answer(200, b"{}")
    posted: list[tuple[tuple[object, ...], dict[str, object]]] = []

    class _Real:
        codes = requests.codes

        @staticmethod
        def post(*args: object, **kwargs: object) -> _Answer:
            posted.append((args, kwargs))
            return answer

    stand_in = AnswerReadingRequests(_Real)  # type: ignore[arg-type]
    assert stand_in.post("http://bot", data=b"x") is answer  # not listening: as before
    with answers_heard() as heard:
        assert stand_in.post("http://bot", data=b"y") is answer
    assert heard == [answer]
    assert stand_in.post("http://bot") is answer
    assert heard == [answer]  # the block is over: no longer heard
    assert [args for args, _ in posted] == [("http://bot",)] * 3
    assert posted[1][1] == {"data": b"y"}
    assert stand_in.codes.ok == 200
