"""The outside channels the dispatcher can use: channel name -> its sender."""

from __future__ import annotations

from services.notifications.channels import ChannelSender
from services.notifications.channels.email import EmailSender
from services.notifications.channels.im import ImSender
from services.notifications.channels.sms import SmsSender
from services.notifications.settings import NotificationsSettings


def channel_senders(settings: NotificationsSettings) -> dict[str, ChannelSender]:
    """'email', 'sms', 'im' -> their senders, configured from `settings`."""
    return {
        "email": EmailSender(settings),
        "sms": SmsSender(settings),
        "im": ImSender(settings),
    }
