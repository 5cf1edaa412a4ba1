"""How each adapter reads a provider's answer, and the requests it builds."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email import message_from_bytes, policy
from uuid import UUID

import aiosmtplib
import pytest

from services.notifications.channels import Outgoing, SendOutcome
from services.notifications.channels.email import (
    MESSAGE_HEADER,
    build_message,
    classify_smtp_error,
    message_id_for,
    valid_email_address,
)
from services.notifications.channels.im import classify_failure, scheme_of
from services.notifications.channels.sms import (
    access_key_pair,
    classify_answer,
    mainland_mobile,
    out_id_for,
    percent_encode,
    send_sms_params,
    signature,
)

pytestmark = pytest.mark.unit

T = SendOutcome.TEMPORARY_FAILURE
P = SendOutcome.PERMANENT_FAILURE


def outgoing(address: str = "li.lei@campus.edu.cn", **changes: object) -> Outgoing:
    values: dict[str, object] = {
        "message_id": UUID("11111111-1111-1111-1111-111111111111"),
        "delivery_id": UUID("22222222-2222-2222-2222-222222222222"),
        "attempt": 1,
        "channel": "email",
        "college": "c1",
        "recipient_id": "u1",
        "address": address,
        "locale": "zh-CN",
        "kind": "shift_assigned",
        "title": "排班通知：图书馆志愿服务",
        "body": "李雷同学：\n\n您已被安排在图书馆值班。\n\n请准时签到。",
        "fields": {"post": "图书馆", "place": "一楼", "starts_at": None, "ends_at": None},
        "idempotency_key": "evt:u1:email:0",
    }
    values.update(changes)
    return Outgoing(**values)  # type: ignore[arg-type]


# --- email ---


def test_message_headers_and_encoding() -> None:
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    raw = build_message(outgoing(), email_from="校园志愿平台 <noreply@cf.edu.cn>", now=now)
    head = raw.split(b"\r\n\r\n")[0]
    assert b"Subject: =?utf-8?b?" in head  # RFC 2047 encoded words, UTF-8
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed.defects == []
    assert parsed["Subject"] == "排班通知：图书馆志愿服务"
    assert parsed["From"].addresses[0].display_name == "校园志愿平台"
    assert parsed["To"].addresses[0].addr_spec == "li.lei@campus.edu.cn"
    assert parsed["Message-ID"] == message_id_for("evt:u1:email:0", "noreply@cf.edu.cn")
    assert parsed["Message-ID"].endswith("@cf.edu.cn>")
    assert parsed[MESSAGE_HEADER] == "11111111-1111-1111-1111-111111111111"
    assert parsed["Date"] == "Sun, 29 Nov 2026 12:00:00 +0000"
    assert parsed.get_content_type() == "multipart/alternative"
    plain = parsed.get_body(("plain",))
    # SMTP lines end in CRLF; the text is otherwise exactly the body.
    assert plain is not None and plain.get_content_charset() == "utf-8"
    assert plain.get_content().replace("\r\n", "\n") == outgoing().body + "\n"
    html = parsed.get_body(("html",))
    assert html is not None and "您已被安排在图书馆值班。" in html.get_content()


def test_encoding_does_not_follow_the_process_wide_charset_registry() -> None:
    import apprise.plugins.email  # noqa: F401  (switches email.charset's UTF-8 to Q)

    raw = build_message(outgoing(), email_from="校园 <a@cf.edu.cn>", now=datetime.now(UTC))
    assert b"Subject: =?utf-8?b?" in raw and b"From: =?utf-8?b?" in raw


def test_an_ascii_sender_name_with_specials_is_encoded() -> None:
    now = datetime.now(UTC)
    raw = build_message(outgoing(), email_from='"Campusflow, Inc." <a@cf.edu.cn>', now=now)
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["From"].addresses[0].display_name == "Campusflow, Inc."
    plain = build_message(outgoing(), email_from="Campusflow <a@cf.edu.cn>", now=now)
    assert b"From: Campusflow <a@cf.edu.cn>\r\n" in plain


def test_a_title_cannot_inject_a_header_and_ascii_stays_readable() -> None:
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    sneaky = outgoing(title="Shift\r\nBcc: everyone@x.cn")
    raw = build_message(sneaky, email_from="noreply@cf.edu.cn", now=now)
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None
    assert parsed["Subject"] == "Shift Bcc: everyone@x.cn"
    assert b"Subject: Shift Bcc: everyone@x.cn\r\n" in raw
    long_title = "排班通知" * 30
    parsed = message_from_bytes(
        build_message(outgoing(title=long_title), email_from="a@cf.edu.cn", now=now),
        policy=policy.default,
    )
    assert parsed["Subject"] == long_title


def test_message_id_is_stable_per_key_and_differs_between_keys() -> None:
    a = message_id_for("k1", "x@cf.edu.cn")
    assert a == message_id_for("k1", "Other <y@cf.edu.cn>")
    assert a != message_id_for("k2", "x@cf.edu.cn")


@pytest.mark.parametrize(
    ("address", "valid"),
    [
        ("li.lei@campus.edu.cn", True),
        ("a+b@x.cn", True),
        ("no-at-sign", False),
        ("two@@x.cn", False),
        ("x@nodot", False),
        ("spaces in@x.cn", False),
        ("a..b@x.cn", False),
        ("李雷@x.cn", False),
    ],
)
def test_address_syntax(address: str, valid: bool) -> None:
    assert valid_email_address(address) is valid


def test_smtp_errors_are_classified() -> None:
    refused_5 = aiosmtplib.SMTPRecipientsRefused(
        [aiosmtplib.SMTPRecipientRefused(550, "mailbox unavailable", "x@x.cn")]
    )
    refused_4 = aiosmtplib.SMTPRecipientsRefused(
        [aiosmtplib.SMTPRecipientRefused(451, "try later", "x@x.cn")]
    )
    assert classify_smtp_error(refused_5).outcome is P
    assert classify_smtp_error(refused_4).outcome is T
    assert classify_smtp_error(aiosmtplib.SMTPDataError(553, "bad name")).outcome is P
    assert classify_smtp_error(aiosmtplib.SMTPDataError(421, "closing")).outcome is T
    assert classify_smtp_error(aiosmtplib.SMTPConnectError("refused")).outcome is T
    assert classify_smtp_error(aiosmtplib.SMTPReadTimeoutError("slow")).outcome is T
    assert classify_smtp_error(ConnectionRefusedError()).outcome is T


# --- SMS (Alibaba Cloud SendSms) ---


def test_percent_encoding_is_rfc3986() -> None:
    assert percent_encode("a b*~") == "a%20b%2A~"
    assert percent_encode("值班") == "%E5%80%BC%E7%8F%AD"


def test_signature_matches_a_worked_example() -> None:
    # Computed independently from the documented recipe:
    # Base64(HMAC-SHA1(secret + "&", "POST&%2F&" + percentEncode(sorted canonical query)))
    import base64
    import hashlib
    import hmac
    from urllib.parse import quote

    params = {"B": "2 3", "A": "值", "Action": "SendSms"}
    canonical = "&".join(
        f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(params.items())
    )
    expected = base64.b64encode(
        hmac.new(
            b"secret&", ("POST&%2F&" + quote(canonical, safe="~")).encode(), hashlib.sha1
        ).digest()
    ).decode()
    assert signature(params, "secret") == expected
    assert signature({**params, "B": "2 4"}, "secret") != expected


def test_send_sms_params_are_signed_and_complete() -> None:
    params = send_sms_params(
        access_key="LTAIkey:shh",
        phone="13800138000",
        sign_name="校园志愿",
        template_code="SMS_480100013",
        variables={"post": "图书馆"},
        out_id=out_id_for("evt:u1:sms:0"),
        now=datetime(2026, 11, 29, 12, 0, tzinfo=UTC),
        nonce="n1",
    )
    assert params["AccessKeyId"] == "LTAIkey"
    assert params["Timestamp"] == "2026-11-29T12:00:00Z"
    assert json.loads(params["TemplateParam"]) == {"post": "图书馆"}
    unsigned = {k: v for k, v in params.items() if k != "Signature"}
    assert params["Signature"] == signature(unsigned, "shh")
    assert out_id_for("evt:u1:sms:0") == params["OutId"] and len(params["OutId"]) == 32


def test_access_key_pair() -> None:
    assert access_key_pair("id:se:cret") == ("id", "se:cret")
    assert access_key_pair("single") == ("single", "single")


@pytest.mark.parametrize(
    ("address", "number"),
    [
        ("13800138000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("12800138000", None),
        ("1380013800", None),
        ("li@x.cn", None),
    ],
)
def test_mainland_mobile(address: str, number: str | None) -> None:
    assert mainland_mobile(address) == number


def _answer(code: str, **extra: str) -> bytes:
    return json.dumps({"Code": code, "Message": "m", "RequestId": "r", **extra}).encode()


def test_sms_answers_are_classified() -> None:
    ok = classify_answer(200, _answer("OK", BizId="900^0"))
    assert ok.outcome is SendOutcome.SENT and ok.provider_message_id == "900^0"
    assert classify_answer(200, _answer("isv.BUSINESS_LIMIT_CONTROL")).outcome is T
    assert classify_answer(503, _answer("isp.SYSTEM_ERROR")).outcome is T
    assert classify_answer(200, _answer("isp.SOMETHING_NEW")).outcome is T
    assert classify_answer(502, b"<html>bad gateway</html>").outcome is T
    assert classify_answer(429, b"").outcome is T
    assert classify_answer(200, _answer("isv.MOBILE_NUMBER_ILLEGAL")).outcome is P
    assert classify_answer(200, _answer("isv.SMS_TEMPLATE_ILLEGAL")).outcome is P
    assert classify_answer(400, _answer("SignatureDoesNotMatch")).outcome is P
    assert classify_answer(200, _answer("isv.DAY_LIMIT_CONTROL")).outcome is P
    assert classify_answer(400, _answer("isv.UNHEARD_OF")).outcome is P


# --- IM (Apprise) ---


def test_im_failures_are_classified_from_apprise_logs() -> None:
    assert scheme_of("DingTalk://tok/") == "dingtalk"
    assert scheme_of("not a url") == ""
    bad_request = ["Failed to send DingTalk notification: Bad Request - x, error=400."]
    assert classify_failure(bad_request).outcome is P
    assert classify_failure(["... error=404."]).outcome is P
    assert classify_failure(["... error=429."]).outcome is T
    assert classify_failure(["... error=503."]).outcome is T
    assert classify_failure(["A Connection error occured sending x."]).outcome is T
    assert classify_failure([]).outcome is T
    refused = ["Feishu rejected our notification: code=19021 msg=sign match fail"]
    assert classify_failure(refused).outcome is P
    limited = ["Feishu rejected our notification: code=11232 msg=frequency limited"]
    assert classify_failure(limited).outcome is T
