"""Who may push SMS receipts: the shared token, in the URL or a header; never the local
default in production."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from services.notifications.api.receipts import provider_caller
from services.notifications.settings import LOCAL_SMS_RECEIPT_TOKEN, NotificationsSettings
from shared.web.problems import Problem

pytestmark = pytest.mark.unit


def settings(environment: str, token: str) -> NotificationsSettings:
    return NotificationsSettings.model_construct(
        environment=environment,
        sms_receipt_token=SecretStr(token),
        jwt_secret=SecretStr("a-jwt-secret-of-this-deployment-of-32-chars-at-least"),
        link_secret=SecretStr("a-link-secret-of-this-deployment"),
        jwt_issuer="https://id.campus.example",
        jwt_audience="campusflow",
        smtp_host="smtp.campusflow-university.edu.cn",
        sms_provider_url="https://dysmsapi.aliyuncs.com",
        public_base_url="https://campusflow.campusflow-university.edu.cn",
        email_from="Campusflow <noreply@campusflow-university.edu.cn>",
    )


def status(call: object) -> int:
    try:
        call()  # type: ignore[operator]
    except Problem as problem:
        return problem.status
    return 200


def test_the_token_in_the_url_or_the_header_lets_the_provider_in() -> None:
    given = settings("test", "s3cret")
    assert status(lambda: provider_caller(given, token="s3cret")) == 200
    assert status(lambda: provider_caller(given, x_receipt_token="s3cret")) == 200


def test_no_token_is_401_and_a_wrong_one_403() -> None:
    given = settings("test", "s3cret")
    assert status(lambda: provider_caller(given)) == 401
    assert status(lambda: provider_caller(given, token="")) == 401
    assert status(lambda: provider_caller(given, token="s3cre")) == 403
    assert status(lambda: provider_caller(given, x_receipt_token="S3CRET")) == 403


def test_the_local_default_is_refused_in_production_even_when_given() -> None:
    production = settings("production", LOCAL_SMS_RECEIPT_TOKEN)
    assert status(lambda: provider_caller(production, token=LOCAL_SMS_RECEIPT_TOKEN)) == 403
    local = settings("local", LOCAL_SMS_RECEIPT_TOKEN)
    assert status(lambda: provider_caller(local, token=LOCAL_SMS_RECEIPT_TOKEN)) == 200
