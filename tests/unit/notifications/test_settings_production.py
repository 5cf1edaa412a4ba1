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
    "smtp_host": "smtp.campusflow-university.edu.cn",
    "sms_provider_url": "https://dysmsapi.aliyuncs.com",
    "public_base_url": "https://campusflow.campusflow-university.edu.cn",
    "email_from": "校团委 <noreply@campusflow-university.edu.cn>",
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


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("smtp_host", "smtp.university.example"),  # the base ConfigMap's placeholders
        ("public_base_url", "https://campusflow.university.example"),
        ("email_from", "Campusflow <noreply@university.example>"),
        ("email_from", "Campusflow <noreply@campusflow.local>"),  # the local default
        ("smtp_host", "SMTP.Example.COM"),
        ("sms_provider_url", "https://sms.provider.invalid/send"),
        ("public_base_url", "https://campusflow.test"),
        # however the name is written
        ("smtp_host", "smtp.university.example."),
        ("public_base_url", "https://campusflow.university.example./"),
        ("email_from", "Campusflow <noreply@University.EXAMPLE>"),
        ("email_from", "noreply@university.example"),
        ("email_from", "Campusflow <noreply@university.example> "),
        ("email_from", "noreply@university.example (Campusflow)"),
        ("email_from", '"Campusflow, 校团委" <noreply@university.example>'),
    ],
)
def test_production_refuses_placeholder_addresses(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"{name} names .*placeholder"):
        NotificationsSettings(**{**PRODUCTION, name: value})


@pytest.mark.parametrize(
    "host",
    [
        "smtp.examples.edu.cn",
        "mail.testing.edu.cn",
        "example.edu.cn",
        "smtp.local-u.cn",
        "postfix.mail.svc.cluster.local",  # an in-cluster relay of Kubernetes
    ],
)
def test_a_real_name_that_only_looks_like_one_is_taken(host: str) -> None:
    NotificationsSettings(**{**PRODUCTION, "smtp_host": host})


@pytest.mark.parametrize("sender", ["Campusflow", "", "noreply at campusflow"])
def test_production_refuses_a_sender_with_no_address(sender: str) -> None:
    with pytest.raises(ValueError, match=r"email_from .* holds no address"):
        NotificationsSettings(**{**PRODUCTION, "email_from": sender})


def test_the_local_stack_may_use_loopback() -> None:
    NotificationsSettings(**{**PRODUCTION, "environment": "local", "smtp_host": "127.0.0.1"})
