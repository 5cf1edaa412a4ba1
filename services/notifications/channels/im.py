"""IM bots through Apprise: DingTalk (钉钉), WeCom (企业微信) and Feishu (飞书) group bots.

The recipient's contact point is an Apprise URL:
    dingtalk://{token}/  or  dingtalk://{secret}@{token}/   (signed bot)
    wecombot://{key}
    feishu://{token}     lark://{token}
    json://host[:port]/path, jsons://...   (a generic JSON webhook: {title, message, ...})
Other Apprise schemes (mail, SMS gateways, files...) are refused: they are not IM bots.

Apprise's plugins post to the vendor's fixed host (oapi.dingtalk.com,
qyapi.weixin.qq.com, open.feishu.cn). `endpoint_overrides` (scheme -> URL template with
the plugin's own placeholder, e.g. "http://127.0.0.1:9001/robot/send?access_token={token}")
points one plugin at another host: tests and the demo use it to reach local receivers
standing in for the vendors; production leaves it empty. It replaces only the address:
the payload, headers and signing are the real plugin's.

Apprise answers only True/False. The reason is read from what the plugin logs during
this call (captured per call through a context variable, so concurrent sends do not mix):
an HTTP status other than 2xx is logged as "error=NNN": 4xx other than 408/429 ->
permanent; 5xx, 408, 429, connection errors and anything unexplained -> temporary;
Feishu's "HTTP 200 but code != 0" refusal -> permanent (11232, frequency limited ->
temporary). A URL
Apprise cannot parse, or an unsupported scheme -> permanent. DingTalk and WeCom answer
HTTP 200 with an errcode in the JSON body for a refused message (bad keyword, bad
signature); Apprise 2.3's plugins for them do not read that body and report success, so
their answers are read here (`channels/im_answers.py`): a non-zero errcode is a failure,
temporary for the vendors' busy / rate-limit codes, else permanent. No vendor bot API
takes an idempotency key: `honours_idempotency_key` is False.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
from collections.abc import Mapping

import apprise

from services.notifications.channels import Outgoing, SendOutcome, SendResult
from services.notifications.channels.im_answers import answers_heard, refused
from services.notifications.settings import NotificationsSettings

IM_SCHEMES = frozenset({"dingtalk", "wecombot", "feishu", "lark", "json", "jsons"})

_captured: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "campusflow_apprise_log", default=None
)
_HTTP_STATUS = re.compile(r"error=(\d{3})")
# Feishu answers HTTP 200 with a non-zero code when it refuses a payload; Apprise logs it.
_VENDOR_REFUSAL = re.compile(r"rejected our notification: code=(\d+)")
VENDOR_TEMPORARY_CODES = frozenset({"11232"})  # Feishu: frequency limited


class _CallLog(logging.Handler):
    """Hands Apprise's warnings to the send that caused them."""

    def emit(self, record: logging.LogRecord) -> None:
        lines = _captured.get()
        if lines is not None:
            lines.append(record.getMessage())


_HANDLER = _CallLog(level=logging.WARNING)
_apprise_logger = logging.getLogger("apprise")
if not any(isinstance(h, _CallLog) for h in _apprise_logger.handlers):
    _apprise_logger.addHandler(_HANDLER)


def scheme_of(url: str) -> str:
    return url.partition("://")[0].lower() if "://" in url else ""


def classify_failure(log_lines: list[str]) -> SendResult:
    detail = " | ".join(log_lines)[-500:] or "apprise reported a failure"
    for line in log_lines:
        refusal = _VENDOR_REFUSAL.search(line)
        if refusal:
            temporary = refusal.group(1) in VENDOR_TEMPORARY_CODES
            outcome = SendOutcome.TEMPORARY_FAILURE if temporary else SendOutcome.PERMANENT_FAILURE
            return SendResult(outcome, detail=detail)
        match = _HTTP_STATUS.search(line)
        if match:
            status = int(match.group(1))
            if 400 <= status < 500 and status not in (408, 429):
                return SendResult(SendOutcome.PERMANENT_FAILURE, detail=detail)
            return SendResult(SendOutcome.TEMPORARY_FAILURE, detail=detail)
    return SendResult(SendOutcome.TEMPORARY_FAILURE, detail=detail)


class ImSender:
    channel = "im"
    honours_idempotency_key = False

    def __init__(
        self,
        settings: NotificationsSettings,
        *,
        endpoint_overrides: Mapping[str, str] | None = None,
    ) -> None:
        self._timeout_s = settings.im_timeout_s
        self._overrides = dict(endpoint_overrides or {})

    def _plugin(self, url: str) -> apprise.NotifyBase | None:
        plugin = apprise.Apprise.instantiate(url)
        if plugin is None:
            return None
        plugin.socket_connect_timeout = self._timeout_s
        plugin.socket_read_timeout = self._timeout_s
        template = self._overrides.get(scheme_of(url))
        if template is not None:
            plugin.notify_url = template  # type: ignore[attr-defined]
            if hasattr(plugin, "api_url") and hasattr(plugin, "key"):  # wecombot
                plugin.api_url = template.format(key=plugin.key)
        return plugin

    async def send(self, outgoing: Outgoing) -> SendResult:
        scheme = scheme_of(outgoing.address)
        if scheme not in IM_SCHEMES:
            return SendResult(
                SendOutcome.PERMANENT_FAILURE,
                detail=f"not an IM bot URL (scheme {scheme or '-'!r})",
            )
        plugin = self._plugin(outgoing.address)
        if plugin is None:
            return SendResult(
                SendOutcome.PERMANENT_FAILURE, detail=f"apprise cannot use the {scheme} URL"
            )
        lines: list[str] = []
        token = _captured.set(lines)
        try:
            with answers_heard() as answers:
                ok = await asyncio.wait_for(
                    plugin.async_notify(body=outgoing.body, title=outgoing.title),
                    timeout=2 * self._timeout_s + 1,
                )
        except TimeoutError:
            return SendResult(SendOutcome.TEMPORARY_FAILURE, detail="im send timed out")
        finally:
            _captured.reset(token)
        refusal = refused(scheme, answers)
        if refusal is not None:
            return refusal
        if ok:
            return SendResult(SendOutcome.SENT)
        return classify_failure(lines)
