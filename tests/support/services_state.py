"""Where the session's services (tests/e2e/conftest.py) keep their logs and their doubles."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ServicesState:
    """The session services' directory and the doubles started in it."""

    directory: Path
    doubles: dict[str, Any]  # name -> record (smtp: port; sms: url), as stack.json holds
