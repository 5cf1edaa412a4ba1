"""SMS through Alibaba Cloud SMS (阿里云短信服务), API `SendSms`, version 2017-05-25.

The request (RPC style, POST form body to the endpoint, here `settings.sms_provider_url`;
in production https://dysmsapi.aliyuncs.com/):
    Action=SendSms, Version=2017-05-25, Format=JSON, RegionId=cn-hangzhou,
    AccessKeyId, SignatureMethod=HMAC-SHA1, SignatureVersion=1.0, SignatureNonce (fresh
    per request), Timestamp (UTC, YYYY-MM-DDThh:mm:ssZ),
    PhoneNumbers (mainland mobile, no +86), SignName (settings.sms_sign_name),
    TemplateCode + TemplateParam (JSON object of string variables; domain/sms_templates),
    OutId (our trace id: derived from the delivery's idempotency key),
    Signature = Base64(HMAC-SHA1(AccessKeySecret + "&",
                "POST&%2F&" + percentEncode(canonicalized sorted query))),
where percentEncode is RFC 3986 (space -> %20, `~` kept) as Alibaba's V2 RPC signature
documents. The answer is JSON {Code, Message, BizId, RequestId}: Code "OK" means
accepted (delivery is confirmed later by a receipt, so the outcome is SENT).

`settings.sms_access_key` holds "AccessKeyId:AccessKeySecret" (one secret in the
deployment); a value without ':' is used as both (the local double).

Idempotency: Alibaba does NOT dedupe by OutId (it is a trace field echoed in receipts),
so `honours_idempotency_key` is False: a crash between the provider's OK and the
dispatcher's record sends a second SMS on the next attempt (at most one per retry).

Classification: a transport error, timeout, HTTP 5xx/408/429 or a throttling / platform
code (isv.BUSINESS_LIMIT_CONTROL, Throttling*, isp.*) -> temporary; an invalid number,
template, signature name, parameters, account or key (isv.MOBILE_NUMBER_ILLEGAL,
isv.SMS_TEMPLATE_ILLEGAL, SignatureDoesNotMatch, ...), and the day / month quotas
(the channel is out for the day: fail over) -> permanent.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
import uuid
import weakref
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from services.notifications.channels import Outgoing, SendOutcome, SendResult
from services.notifications.domain.sms_templates import NoSmsTemplate, sms_variables
from services.notifications.settings import NotificationsSettings

API_VERSION = "2017-05-25"
REGION = "cn-hangzhou"

TEMPORARY_CODES = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",  # per-number flow control: later it passes
        "Throttling",
        "Throttling.User",
        "Throttling.Api",
        "isp.SYSTEM_ERROR",
        "isp.GATEWAY_ERROR",
        "ServiceUnavailable",
        "InternalError",
        "SignatureNonceUsed",  # a fresh nonce on the next attempt
        "SDK.ServerUnreachable",
    }
)
PERMANENT_CODES = frozenset(
    {
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.MOBILE_COUNT_OVER_LIMIT",
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.SMS_SIGNATURE_SCENE_ILLEGAL",
        "isv.SMS_SIGN_ILLEGAL",
        "isv.SIGN_STATE_ILLEGAL",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.INVALID_PARAMETERS",
        "isv.INVALID_JSON_PARAM",
        "isv.PARAM_LENGTH_LIMIT",
        "isv.BLACK_KEY_CONTROL_LIMIT",
        "isv.SMS_CONTENT_ILLEGAL",
        "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
        "isv.DENY_IP_RANGE",
        "isv.DAY_LIMIT_CONTROL",
        "isv.MONTH_LIMIT_CONTROL",
        "isv.OUT_OF_SERVICE",
        "isv.AMOUNT_NOT_ENOUGH",
        "isv.PRODUCT_UN_SUBSCRIPT",
        "isv.PRODUCT_UNSUBSCRIBE",
        "isv.ACCOUNT_NOT_EXISTS",
        "isv.ACCOUNT_ABNORMAL",
        "isp.RAM_PERMISSION_DENY",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId.NotFound",
        "InvalidAccessKeyId.Inactive",
        "InvalidTimeStamp.Expired",
        "MissingParameter",
    }
)

_MOBILE = re.compile(r"^(?:\+86|0086|86)?(1[3-9]\d{9})$")


def mainland_mobile(address: str) -> str | None:
    """The 11-digit mainland mobile number in `address`, or None."""
    match = _MOBILE.match(address.replace(" ", "").replace("-", ""))
    return match.group(1) if match else None


def percent_encode(value: str) -> str:
    return quote(value, safe="~")


def access_key_pair(access_key: str) -> tuple[str, str]:
    key_id, sep, secret = access_key.partition(":")
    return (key_id, secret) if sep else (access_key, access_key)


def signature(params: Mapping[str, str], secret: str, method: str = "POST") -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(params[k])}" for k in sorted(params))
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def out_id_for(idempotency_key: str) -> str:
    """The OutId of every attempt of one delivery (short, stable)."""
    return hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]


def send_sms_params(
    *,
    access_key: str,
    phone: str,
    sign_name: str,
    template_code: str,
    variables: Mapping[str, str],
    out_id: str,
    now: datetime,
    nonce: str,
) -> dict[str, str]:
    """The signed form body of one SendSms request."""
    key_id, secret = access_key_pair(access_key)
    params = {
        "Action": "SendSms",
        "Version": API_VERSION,
        "Format": "JSON",
        "RegionId": REGION,
        "AccessKeyId": key_id,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": nonce,
        "Timestamp": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "PhoneNumbers": phone,
        "SignName": sign_name,
        "TemplateCode": template_code,
        "TemplateParam": json.dumps(dict(variables), ensure_ascii=False, sort_keys=True),
        "OutId": out_id,
    }
    params["Signature"] = signature(params, secret)
    return params


def classify_answer(status: int, body: bytes) -> SendResult:
    """What an HTTP answer of SendSms means."""
    try:
        answer = json.loads(body)
        code = str(answer.get("Code", "")) if isinstance(answer, dict) else ""
    except ValueError:
        answer, code = None, ""
    if status == 200 and code == "OK":
        return SendResult(SendOutcome.SENT, provider_message_id=str(answer.get("BizId") or ""))
    message = str(answer.get("Message", "")) if isinstance(answer, dict) else ""
    detail = f"http {status} {code or '-'} {message}".strip()
    if code in TEMPORARY_CODES or code.startswith(("isp.", "Throttling")):
        return SendResult(SendOutcome.TEMPORARY_FAILURE, detail=detail)
    if code in PERMANENT_CODES:
        return SendResult(SendOutcome.PERMANENT_FAILURE, detail=detail)
    if status >= 500 or status in (408, 429) or (status == 200 and not code):
        return SendResult(SendOutcome.TEMPORARY_FAILURE, detail=detail)
    # An unknown refusal: do not hammer the provider with it, fail over.
    return SendResult(SendOutcome.PERMANENT_FAILURE, detail=detail)


class SmsSender:
    """One kept `httpx.AsyncClient` per event loop (a client and its pooled connections
    belong to the loop that made them): a TLS handshake per message would cost more than
    the message. `aclose()` closes the running loop's client (the dispatch loop calls it
    when it stops); a later send makes a new one."""

    channel = "sms"
    honours_idempotency_key = False
    max_connections = 64  # above the dispatcher's sends in flight (SEND_CONCURRENCY)

    def __init__(self, settings: NotificationsSettings) -> None:
        self._settings = settings
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient]
        self._clients = weakref.WeakKeyDictionary()

    def _client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None or client.is_closed:
            client = httpx.AsyncClient(
                timeout=self._settings.sms_timeout_s,
                limits=httpx.Limits(
                    max_connections=self.max_connections,
                    max_keepalive_connections=self.max_connections,
                ),
            )
            self._clients[loop] = client
        return client

    async def aclose(self) -> None:
        """Close the running loop's client (at shutdown; optional)."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()

    async def send(self, outgoing: Outgoing) -> SendResult:
        settings = self._settings
        phone = mainland_mobile(outgoing.address)
        if phone is None:
            return SendResult(
                SendOutcome.PERMANENT_FAILURE,
                detail=f"not a mainland mobile number: {outgoing.address!r}",
            )
        try:
            template_code, variables = sms_variables(outgoing.kind, outgoing.fields)
        except NoSmsTemplate as error:
            return SendResult(SendOutcome.PERMANENT_FAILURE, detail=str(error))
        params = send_sms_params(
            access_key=settings.sms_access_key.get_secret_value(),
            phone=phone,
            sign_name=settings.sms_sign_name,
            template_code=template_code,
            variables=variables,
            out_id=out_id_for(outgoing.idempotency_key),
            now=datetime.now(UTC),
            nonce=uuid.uuid4().hex,
        )
        try:
            response = await self._client().post(settings.sms_provider_url, data=params)
        except httpx.HTTPError as error:
            return SendResult(
                SendOutcome.TEMPORARY_FAILURE, detail=f"{type(error).__name__}: {error}"
            )
        return classify_answer(response.status_code, response.content)
