"""A local double of Alibaba Cloud SMS's SendSms HTTP API (the shape
services/notifications/channels/sms.py speaks).

    python -m tools.doubles.sms --port 8990 [--host 127.0.0.1] [--access-key ID:SECRET]

POST /  (form body)   SendSms: checks Action, Version, the V2 HMAC-SHA1 signature, the
                      mobile number, that the TemplateCode is a registered one
                      (domain/sms_templates.py) and that TemplateParam gives exactly its
                      variables as strings; records the message and answers like the
                      provider ({"Code": "OK", "BizId": ..., "RequestId": ...}) or with
                      the provider's error codes. Like the real provider it does NOT
                      dedupe by OutId.
GET  /_double/messages[?phone=...]   recorded messages (JSON list, oldest first)
POST /_double/fail    {"mode": "temporary"|"permanent"|"throttle", "times": N|null,
                       "code": optional provider code}: the next N SendSms calls (all,
                       when null) fail: temporary -> HTTP 503 isp.SYSTEM_ERROR,
                       throttle -> HTTP 200 isv.BUSINESS_LIMIT_CONTROL, permanent ->
                       HTTP 200 isv.MOBILE_NUMBER_ILLEGAL (or the given code)
POST /_double/reset   forget messages and failure modes
GET  /_double/health  {"ok": true}
"""

from __future__ import annotations

import argparse
import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from services.notifications.channels.sms import (
    API_VERSION,
    access_key_pair,
    mainland_mobile,
    signature,
)
from services.notifications.domain.sms_templates import SMS_TEMPLATES

DEFAULT_ACCESS_KEY = "local-sms-access-key"
FAILURE_CODES = {
    "temporary": (503, "isp.SYSTEM_ERROR", "系统错误"),
    "throttle": (200, "isv.BUSINESS_LIMIT_CONTROL", "业务限流"),
    "permanent": (200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"),
}
_TEMPLATES_BY_CODE = {template.code: template for template in SMS_TEMPLATES.values()}


@dataclass
class _State:
    access_key: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    fail_mode: str | None = None
    fail_code: str | None = None
    fail_times: int | None = None  # None: every call while the mode is set
    calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _answer(status: int, code: str, message: str, **extra: str) -> JSONResponse:
    body = {"Code": code, "Message": message, "RequestId": str(uuid.uuid4()).upper(), **extra}
    return JSONResponse(body, status_code=status)


def _injected_failure(state: _State) -> JSONResponse | None:
    with state.lock:
        if state.fail_mode is None:
            return None
        status, code, message = FAILURE_CODES[state.fail_mode]
        code = state.fail_code or code
        if state.fail_times is not None:
            state.fail_times -= 1
            if state.fail_times <= 0:
                state.fail_mode, state.fail_code, state.fail_times = None, None, None
    return _answer(status, code, message)


def _check_request(params: dict[str, str], state: _State) -> JSONResponse | None:
    """The provider's own refusals of a malformed request."""
    for name in ("AccessKeyId", "Signature", "SignatureNonce", "Timestamp", "PhoneNumbers"):
        if not params.get(name):
            return _answer(400, "MissingParameter", f"missing {name}")
    if params.get("Action") != "SendSms" or params.get("Version") != API_VERSION:
        return _answer(400, "InvalidAction.NotFound", "unknown action or version")
    key_id, secret = access_key_pair(state.access_key)
    if params["AccessKeyId"] != key_id:
        return _answer(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    unsigned = {k: v for k, v in params.items() if k != "Signature"}
    if signature(unsigned, secret) != params["Signature"]:
        return _answer(400, "SignatureDoesNotMatch", "Specified signature is not matched.")
    if mainland_mobile(params["PhoneNumbers"]) != params["PhoneNumbers"]:
        return _answer(200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
    template = _TEMPLATES_BY_CODE.get(params.get("TemplateCode", ""))
    if template is None:
        return _answer(200, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
    if not params.get("SignName"):
        return _answer(200, "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
    try:
        variables = json.loads(params.get("TemplateParam") or "{}")
    except ValueError:
        return _answer(200, "isv.INVALID_JSON_PARAM", "JSON参数不合法")
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        return _answer(200, "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
    if set(template.variables) - set(variables):
        return _answer(200, "isv.TEMPLATE_MISSING_PARAMETERS", "模板变量缺少对应参数值")
    return None


def build_app(access_key: str = DEFAULT_ACCESS_KEY) -> Starlette:
    state = _State(access_key=access_key)

    async def send_sms(request: Request) -> JSONResponse:
        params = {k: str(v) for k, v in (await request.form()).items()}
        with state.lock:
            state.calls += 1
        refusal = _check_request(params, state) or _injected_failure(state)
        if refusal is not None:
            return refusal
        biz_id = f"{uuid.uuid4().int % 10**18:018d}^0"
        record = {
            "biz_id": biz_id,
            "phone": params["PhoneNumbers"],
            "sign_name": params["SignName"],
            "template_code": params["TemplateCode"],
            "template_param": json.loads(params.get("TemplateParam") or "{}"),
            "out_id": params.get("OutId", ""),
            "received_at": datetime.now(UTC).isoformat(),
        }
        with state.lock:
            state.messages.append(record)
        return _answer(200, "OK", "OK", BizId=biz_id)

    async def messages(request: Request) -> JSONResponse:
        phone = request.query_params.get("phone")
        with state.lock:
            found = [m for m in state.messages if phone is None or m["phone"] == phone]
        return JSONResponse({"messages": found, "calls": state.calls})

    async def fail(request: Request) -> JSONResponse:
        body = await request.json()
        mode = body.get("mode")
        if mode not in FAILURE_CODES:
            return JSONResponse({"error": f"mode must be one of {sorted(FAILURE_CODES)}"}, 422)
        times = body.get("times")
        if times is not None and (not isinstance(times, int) or times < 1):
            return JSONResponse({"error": "times must be a positive integer or null"}, 422)
        with state.lock:
            state.fail_mode, state.fail_times = mode, times
            state.fail_code = body.get("code")
        return JSONResponse({"mode": mode, "times": times})

    async def reset(request: Request) -> JSONResponse:
        with state.lock:
            state.messages.clear()
            state.fail_mode, state.fail_code, state.fail_times = None, None, None
            state.calls = 0
        return JSONResponse({"ok": True})

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/", send_sms, methods=["POST"]),
            Route("/_double/messages", messages, methods=["GET"]),
            Route("/_double/fail", fail, methods=["POST"]),
            Route("/_double/reset", reset, methods=["POST"]),
            Route("/_double/health", health, methods=["GET"]),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Local double of Alibaba Cloud SMS SendSms")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8990)
    parser.add_argument("--access-key", default=DEFAULT_ACCESS_KEY, help="ID:SECRET or one key")
    args = parser.parse_args(argv)
    uvicorn.run(build_app(args.access_key), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
