"""Figures that tests measure and the session summary prints (e.g. chaos recovery times).

Tests put `name -> value` here; `pytest_terminal_summary` in tests/conftest.py prints
them after the run, so they show in `scripts/test` and CI output without `-s`.
"""

from __future__ import annotations

FIGURES: dict[str, dict[str, float]] = {}


def record(section: str, name: str, value: float) -> None:
    FIGURES.setdefault(section, {})[name] = value
