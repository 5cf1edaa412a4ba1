"""A campaign closes by a durable timer when its application window ends."""

from __future__ import annotations

import pytest

from services.recruitment.__main__ import DEFINITION
from services.recruitment.service.campaigns import CLOSE_CAMPAIGN, closing_key

pytestmark = pytest.mark.unit


def test_the_service_fires_the_campaign_closing_timer() -> None:
    assert DEFINITION.due_actions is not None
    assert CLOSE_CAMPAIGN in DEFINITION.due_actions


def test_the_timer_is_keyed_by_college_and_campaign() -> None:
    assert closing_key("cs", "summer-2026") == "cs/summer-2026"
