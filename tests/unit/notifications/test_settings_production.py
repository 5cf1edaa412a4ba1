"""Production refuses the local stack's defaults for where messages go."""

from __future__ import annotations

from typing import Any

import pytest

from services.notifications.settings import NotificationsSettings

pytestmark = pytest.mark.unit

PRODUCTION: dict[str, Any] = {
    "environment": "production",
    "database_url": "postgresql://notifications@db/campusflow",
    "kafka_bootstrap": "kafka:9092",
    "redis_url": "redis://redis:6379/0",
    "jwt_algorithm": "RS256",
    "jwt_public_key": "-----BEGIN PUBLIC KEY-----\n...\n",
    "jwt_issuer": "https://sso.example",
    "jwt_audience": "campusflow",
    "link_secret": "a-production-link-secret",
    "smtp_host": "smtp.university.example",
    "sms_provider_url": "https://dysmsapi.aliyuncs.com",
    "public_base_url": "https://campusflow.university.example",
}


def test_production_settings_with_real_providers_are_accepted() -> None:
    NotificationsSettings(**PRODUCTION)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("smtp_host", "127.0.0.1"),
        ("smtp_host", "localhost"),
        ("sms_provider_url", "http://127.0.0.1:8990"),
        ("public_base_url", "http://localhost:8004"),
    ],
)
def test_production_refuses_loopback_providers(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        NotificationsSettings(**{**PRODUCTION, name: value})


def test_the_local_stack_may_use_loopback() -> None:
    NotificationsSettings(**{**PRODUCTION, "environment": "local", "smtp_host": "127.0.0.1"})
