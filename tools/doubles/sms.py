"""A local double of Alibaba Cloud SMS's SendSms HTTP API (the shape
services/notifications/channels/sms.py speaks).

    python -m tools.doubles.sms --port 8990 [--host 127.0.0.1] [--access-key ID:SECRET]
                                [--report-url URL]

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
POST /_double/receipts {"success": bool, "err_code": str, "err_msg": str, "times": N|null}:
                      the next N status reports (all, when null) say this; by default
                      a report says success / DELIVERED
GET  /_double/reports  every push of a status report and the receiver's HTTP status
POST /_double/reset   forget messages, reports, failure and receipt modes

With --report-url (build_app(report_url=...)) each accepted message is followed by a
status report pushed like Alibaba's SmsReport HTTP batch push: POST a JSON array
[{phone_number, send_time, report_time, success, err_code, err_msg, sms_size, biz_id,
out_id}] to that URL (put the receiver's token in it), `report_delay_s` after the
answer, pushed again after 1, 2 and 4 s while the receiver answers anything but 200.
Without it (the default) no report is pushed. `campusflow stack up` (tools/stack/doubles.py)
starts it with the receipts route of the stack's notifications service and the local
receipt token, so on the local stack an SMS goes sent -> delivered.
GET  /_double/health  {"ok": true}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
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
REPORT_RETRY_DELAYS_S = (1.0, 2.0, 4.0)
SHANGHAI = ZoneInfo("Asia/Shanghai")  # the provider reports times in Beijing time
_TEMPLATES_BY_CODE = {template.code: template for template in SMS_TEMPLATES.values()}


@dataclass
class _State:
    access_key: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    fail_mode: str | None = None
    fail_code: str | None = None
    fail_times: int | None = None  # None: every call while the mode is set
    calls: int = 0
    report_url: str | None = None
    report_delay_s: float = 0.5
    receipt: dict[str, Any] | None = None  # the next reports' {success, err_code, err_msg}
    receipt_times: int | None = None
    reports: list[dict[str, Any]] = field(default_factory=list)
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


def _report_for(record: dict[str, Any], state: _State) -> dict[str, Any]:
    """The status report of one accepted message (Alibaba SmsReport's fields)."""
    with state.lock:
        outcome = state.receipt or {"success": True, "err_code": "DELIVERED"}
        if state.receipt is not None and state.receipt_times is not None:
            state.receipt_times -= 1
            if state.receipt_times <= 0:
                state.receipt, state.receipt_times = None, None
    success = bool(outcome.get("success", True))
    now = datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    return {
        "phone_number": record["phone"],
        "send_time": now,
        "report_time": now,
        "success": success,
        "err_code": str(outcome.get("err_code") or ("DELIVERED" if success else "UNKNOWN")),
        "err_msg": str(outcome.get("err_msg") or ("用户接收成功" if success else "接收失败")),
        "sms_size": "1",
        "biz_id": record["biz_id"],
        "out_id": record["out_id"],
    }


async def _push_report(report: dict[str, Any], state: _State) -> None:
    """Push one report like the provider: after a short delay (the carrier's report),
    again on anything but HTTP 200 (Alibaba: after 1, 5 and 10 minutes; here after
    `REPORT_RETRY_DELAYS_S`), then give up."""
    assert state.report_url is not None
    status: int | str = "not pushed"
    async with httpx.AsyncClient(timeout=10.0) as client:
        for delay in (state.report_delay_s, *REPORT_RETRY_DELAYS_S):
            await asyncio.sleep(delay)
            try:
                answer = await client.post(state.report_url, json=[report])
                status = answer.status_code
            except httpx.HTTPError as error:
                status = f"{type(error).__name__}: {error}"
            with state.lock:
                state.reports.append({"report": report, "status": status})
            if status == 200:
                return


def build_app(
    access_key: str = DEFAULT_ACCESS_KEY,
    *,
    report_url: str | None = None,
    report_delay_s: float = 0.5,
) -> Starlette:
    state = _State(access_key=access_key, report_url=report_url, report_delay_s=report_delay_s)

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
        answer = _answer(200, "OK", "OK", BizId=biz_id)
        if state.report_url:
            answer.background = BackgroundTask(_push_report, _report_for(record, state), state)
        return answer

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

    async def receipts(request: Request) -> JSONResponse:
        body = await request.json()
        if not isinstance(body, dict) or not isinstance(body.get("success"), bool):
            return JSONResponse({"error": "success must be true or false"}, 422)
        times = body.get("times")
        if times is not None and (not isinstance(times, int) or times < 1):
            return JSONResponse({"error": "times must be a positive integer or null"}, 422)
        with state.lock:
            state.receipt = {k: body.get(k) for k in ("success", "err_code", "err_msg")}
            state.receipt_times = times
        return JSONResponse({"receipt": state.receipt, "times": times})

    async def reports(request: Request) -> JSONResponse:
        with state.lock:
            return JSONResponse({"reports": list(state.reports)})

    async def reset(request: Request) -> JSONResponse:
        with state.lock:
            state.reports.clear()
            state.receipt, state.receipt_times = None, None
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
            Route("/_double/receipts", receipts, methods=["POST"]),
            Route("/_double/reports", reports, methods=["GET"]),
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
    parser.add_argument(
        "--report-url", default=None, help="push status reports (SmsReport) to this URL"
    )
    args = parser.parse_args(argv)
    app = build_app(args.access_key, report_url=args.report_url)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
