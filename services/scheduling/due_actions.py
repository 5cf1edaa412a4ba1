"""The scheduling service's durable timers: kind -> handler, fired by the kernel's loop."""

from __future__ import annotations

from collections.abc import Mapping

from services.scheduling.service.activities import ACTIVITY_DUE_ACTIONS
from services.scheduling.service.attendance import MEETING_DUE_ACTIONS
from services.scheduling.service.desk import DESK_DUE_ACTIONS
from shared.timers import DueActionHandler

DUE_ACTIONS: Mapping[str, DueActionHandler] = {
    **DESK_DUE_ACTIONS,
    **ACTIVITY_DUE_ACTIONS,
    **MEETING_DUE_ACTIONS,
}
