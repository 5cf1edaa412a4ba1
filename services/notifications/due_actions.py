"""The notifications service's durable timers: kind -> handler, fired by the kernel's loop
(claimed FOR UPDATE SKIP LOCKED: once, across restarts and replicas)."""

from __future__ import annotations

from collections.abc import Mapping

from services.notifications.service.digests import DIGEST_DUE_ACTIONS
from services.notifications.service.escalations import ESCALATION_DUE_ACTIONS
from services.notifications.service.reminders import REMINDER_DUE_ACTIONS
from shared.timers import DueActionHandler

DUE_ACTIONS: Mapping[str, DueActionHandler] = {
    **REMINDER_DUE_ACTIONS,
    **ESCALATION_DUE_ACTIONS,
    **DIGEST_DUE_ACTIONS,
}
