"""channel_senders: one sender per outside channel, each as the dispatcher expects."""

from __future__ import annotations

import pytest

from services.notifications.channels.email import EmailSender
from services.notifications.channels.im import ImSender
from services.notifications.channels.registry import channel_senders, im_endpoint_overrides
from services.notifications.channels.sms import SmsSender
from services.notifications.settings import NotificationsSettings
from shared.config import LOCAL_JWT_SECRET

pytestmark = pytest.mark.unit


def settings() -> NotificationsSettings:
    return NotificationsSettings(
        environment="test",
        database_url="postgresql://u@localhost/db",
        kafka_bootstrap="localhost:9092",
        redis_url="redis://localhost",
        jwt_secret=LOCAL_JWT_SECRET,
    )


def test_one_sender_per_outside_channel() -> None:
    senders = channel_senders(settings())
    assert set(senders) == {"email", "sms", "im"}
    assert isinstance(senders["email"], EmailSender)
    assert isinstance(senders["sms"], SmsSender)
    assert isinstance(senders["im"], ImSender)
    for name, sender in senders.items():
        assert sender.channel == name
        # None of these providers dedupes by our key (see each module's docstring).
        assert sender.honours_idempotency_key is False


class _WithOverrides:
    def __init__(self, value: object) -> None:
        self.im_endpoint_overrides = value


def test_im_endpoint_overrides_are_read_when_the_setting_exists() -> None:
    assert im_endpoint_overrides(settings()) == {}
    text = '{"DingTalk": "http://127.0.0.1:9/robot/send?access_token={token}"}'
    expected = {"dingtalk": "http://127.0.0.1:9/robot/send?access_token={token}"}
    assert im_endpoint_overrides(_WithOverrides(text)) == expected  # type: ignore[arg-type]
    assert im_endpoint_overrides(_WithOverrides(expected)) == expected  # type: ignore[arg-type]
    assert im_endpoint_overrides(_WithOverrides("")) == {}  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="im_endpoint_overrides"):
        im_endpoint_overrides(_WithOverrides("[1]"))  # type: ignore[arg-type]
