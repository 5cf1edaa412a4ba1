"""What DingTalk and WeCom bots answered: their HTTP-200 refusals.

DingTalk's and WeCom's bot APIs answer HTTP 200 for a refused message, with a non-zero
`errcode` in the JSON body (DingTalk 310000: keyword, signature or IP not allowed;
300001: no such token; WeCom 93000: invalid webhook key...). Apprise 2.3's plugins for
them check only the HTTP status (its Feishu plugin does read the body), and return True
for such a refusal without exposing the response.

To read the answer without copying the plugins' sending code, the plugins' own
`requests` name is given a stand-in (`AnswerReadingRequests`): the same module, except
that `post` also hands the response to the send listening in this context (a context
variable, copied by Apprise into its worker thread; a send that is not listening,
e.g. another user of Apprise in this process, sees no difference). The plugins build,
sign and send their requests unchanged. `listening_plugins()` says whether the stand-in
is in place: a later Apprise that posts another way leaves it out, which the unit tests
notice (and the sender then reports what Apprise says, as before).
"""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import apprise.plugins.dingtalk
import apprise.plugins.wecombot
import requests

from services.notifications.channels import SendOutcome, SendResult

log = logging.getLogger(__name__)

# scheme -> the plugin module whose answers are read
PLUGIN_MODULES: dict[str, ModuleType] = {
    "dingtalk": apprise.plugins.dingtalk,
    "wecombot": apprise.plugins.wecombot,
}
# errcodes worth retrying on the same channel: the vendor is busy or limits the rate.
# DingTalk: -1 system busy, 130101 sending too fast (20 a minute per bot).
# WeCom: -1 system busy, 45009 API frequency limit, 45033 too many concurrent calls.
TEMPORARY_ERRCODES: dict[str, frozenset[int]] = {
    "dingtalk": frozenset({-1, 130101}),
    "wecombot": frozenset({-1, 45009, 45033}),
}

_answers: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar(
    "campusflow_im_answers", default=None
)


class AnswerReadingRequests:
    """`requests` as the DingTalk and WeCom plugins see it (see the module's doc)."""

    def __init__(self, real: ModuleType) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def post(self, *args: Any, **kwargs: Any) -> Any:
        response = self._real.post(*args, **kwargs)
        answers = _answers.get()
        if answers is not None:
            answers.append(response)
        return response


def _listen_to(module: ModuleType) -> bool:
    current = getattr(module, "requests", None)
    if isinstance(current, AnswerReadingRequests):
        return True
    if current is not requests:
        log.warning("im_answers_unreadable", extra={"plugin": module.__name__})
        return False
    module.requests = AnswerReadingRequests(requests)  # type: ignore[attr-defined]
    return True


_LISTENING = frozenset(scheme for scheme, module in PLUGIN_MODULES.items() if _listen_to(module))


def listening_plugins() -> frozenset[str]:
    """The schemes whose HTTP-200 refusals are read."""
    return _LISTENING


@contextmanager
def answers_heard() -> Iterator[list[Any]]:
    """The responses the DingTalk / WeCom plugins receive during this block."""
    heard: list[Any] = []
    token = _answers.set(heard)
    try:
        yield heard
    finally:
        _answers.reset(token)


@dataclass(frozen=True)
class Refusal:
    errcode: int
    errmsg: str


def refusal_in(body: bytes | str | None) -> Refusal | None:
    """The refusal a bot's JSON answer holds (a non-zero integer `errcode`), else None."""
    try:
        answer = json.loads(body or b"")
    except (TypeError, ValueError):
        return None
    if not isinstance(answer, dict):
        return None
    code = answer.get("errcode")
    if isinstance(code, bool) or not isinstance(code, int | str):
        return None
    try:
        number = int(code)
    except ValueError:
        return None
    if number == 0:
        return None
    return Refusal(number, str(answer.get("errmsg") or "")[:200])


def classify_refusal(scheme: str, refusal: Refusal) -> SendResult:
    temporary = refusal.errcode in TEMPORARY_ERRCODES.get(scheme, frozenset())
    outcome = SendOutcome.TEMPORARY_FAILURE if temporary else SendOutcome.PERMANENT_FAILURE
    detail = f"{scheme} refused the message: errcode={refusal.errcode} {refusal.errmsg}".strip()
    return SendResult(outcome, detail=detail)


def refused(scheme: str, answers: list[Any]) -> SendResult | None:
    """The failure an HTTP-200 answer of the DingTalk / WeCom bot means, else None."""
    if scheme not in PLUGIN_MODULES:
        return None
    for response in answers:
        if getattr(response, "status_code", None) != 200:
            continue
        found = refusal_in(getattr(response, "content", None))
        if found is not None:
            return classify_refusal(scheme, found)
    return None
