"""Delivery receipts pushed by the SMS provider (Alibaba Cloud SMS "SmsReport", HTTP
batch push): POST /api/notifications/providers/sms/receipts?token=<sms_receipt_token>.

Alibaba does not sign its pushes; the receiving URL configured in its console carries
the shared secret as `token` (or a proxy may pass it as the `X-Receipt-Token` header).
No token -> 401, a wrong one (or the local default in production) -> 403, nothing read.
The body is Alibaba's JSON array of reports; the answer its expected {"code": 0, ...}
with HTTP 200 — or 503 when a report's delivery is not yet recorded as sent, so the
provider pushes again later (the other reports are applied; applying one twice changes
nothing)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.notifications.api.common import PREFIX, Settings
from services.notifications.service.receipts import SmsReceipt, apply_sms_receipts
from services.notifications.settings import LOCAL_SMS_RECEIPT_TOKEN
from shared.web.dependencies import Now, Transaction
from shared.web.problems import Problem

router = APIRouter(prefix=f"{PREFIX}/providers/sms", tags=["receipts"])


class SmsReport(BaseModel):
    """One Alibaba Cloud SmsReport status report (fields as the provider names them)."""

    model_config = ConfigDict(extra="ignore")

    phone_number: str = Field(max_length=32)
    send_time: str | None = Field(default=None, max_length=32)
    report_time: str = Field(max_length=32)
    success: bool
    err_code: str = Field(max_length=64)
    err_msg: str = Field(default="", max_length=500)
    sms_size: str | None = Field(default=None, max_length=8)
    biz_id: str = Field(default="", max_length=64)
    out_id: str = Field(default="", max_length=256)


def provider_caller(
    settings: Settings,
    token: Annotated[str | None, Query(max_length=256)] = None,
    x_receipt_token: Annotated[str | None, Header(max_length=256)] = None,
) -> None:
    """The provider, known by the shared secret it was configured with."""
    given = token or x_receipt_token
    if not given:
        raise Problem.unauthorized("a receipt token is required", challenge="Token")
    expected = settings.sms_receipt_token.get_secret_value()
    if settings.environment == "production" and expected == LOCAL_SMS_RECEIPT_TOKEN:
        raise Problem.forbidden("SMS receipts are not configured (NOTIFICATIONS_SMS_RECEIPT_TOKEN)")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Problem.forbidden("the receipt token does not match")


Provider = Annotated[None, Depends(provider_caller)]


@router.post(
    "/receipts",
    summary="SMS delivery receipts pushed by the provider: sent -> delivered / bounced / failed",
    responses={
        401: {"description": "No receipt token (in `token` or X-Receipt-Token)"},
        403: {"description": "The receipt token does not match, or receipts are not configured"},
    },
)
async def sms_receipts(
    _: Provider, reports: list[SmsReport], conn: Transaction, now: Now
) -> JSONResponse:
    applied = await apply_sms_receipts(
        conn,
        [
            SmsReceipt(
                biz_id=r.biz_id,
                out_id=r.out_id,
                phone_number=r.phone_number,
                success=r.success,
                err_code=r.err_code,
                err_msg=r.err_msg,
                report_time=r.report_time,
            )
            for r in reports
        ],
        now=now,
    )
    if applied.early:
        body = {"code": 1, "msg": "some deliveries are not recorded yet", **applied.counts}
        return JSONResponse(body, status_code=503, headers={"Retry-After": "60"})
    return JSONResponse({"code": 0, "msg": "接收成功", **applied.counts})
