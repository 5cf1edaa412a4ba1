"""The outside channels the dispatcher can use: channel name -> its sender."""

from __future__ import annotations

import json
from collections.abc import Mapping

from services.notifications.channels import ChannelSender
from services.notifications.channels.email import EmailSender
from services.notifications.channels.im import ImSender
from services.notifications.channels.sms import SmsSender
from services.notifications.settings import NotificationsSettings


def im_endpoint_overrides(settings: NotificationsSettings) -> dict[str, str]:
    """Apprise scheme -> URL template (see channels/im.py), from the settings' optional
    `im_endpoint_overrides` (a mapping, or its JSON text); empty when not set."""
    raw: object = getattr(settings, "im_endpoint_overrides", None)
    if isinstance(raw, str):
        raw = json.loads(raw) if raw.strip() else {}
    if not raw:
        return {}
    if not isinstance(raw, Mapping):
        raise ValueError("im_endpoint_overrides must map an Apprise scheme to a URL template")
    return {str(scheme).lower(): str(template) for scheme, template in raw.items()}


def channel_senders(settings: NotificationsSettings) -> dict[str, ChannelSender]:
    """'email', 'sms', 'im' -> their senders, configured from `settings`."""
    return {
        "email": EmailSender(settings),
        "sms": SmsSender(settings),
        "im": ImSender(settings, endpoint_overrides=im_endpoint_overrides(settings)),
    }
