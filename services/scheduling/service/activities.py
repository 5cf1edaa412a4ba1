"""Activity calendar and preparation tasks."""

from __future__ import annotations

from collections.abc import Mapping

from shared.timers import DueActionHandler

ACTIVITY_DUE_ACTIONS: Mapping[str, DueActionHandler] = {}
