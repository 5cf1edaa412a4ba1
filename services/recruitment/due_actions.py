"""The recruitment service's durable timers: kind -> handler, fired by the kernel's loop."""

from __future__ import annotations

from collections.abc import Mapping

from services.recruitment.service.campaigns import CLOSE_CAMPAIGN, close_when_window_ends
from shared.timers import DueActionHandler

DUE_ACTIONS: Mapping[str, DueActionHandler] = {CLOSE_CAMPAIGN: close_when_window_ends}
