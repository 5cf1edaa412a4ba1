"""Duty desk: sign-in (签到), no-shows and handover (交接)."""

from __future__ import annotations

from collections.abc import Mapping

from shared.timers import DueActionHandler

DESK_DUE_ACTIONS: Mapping[str, DueActionHandler] = {}
