"""A critical kind is never left for a digest: neither by the plan (domain/preferences)
nor by the pipeline whatever a planner said (domain/delivery.settled_action, which the
digest timer follows)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from services.notifications.domain.delivery import PlanAction, settled_action
from services.notifications.domain.kinds import KINDS, Category, Kind, Priority
from services.notifications.domain.preferences import (
    CategoryPreference,
    Channel,
    DeliveryPlan,
    plan,
)

pytestmark = pytest.mark.unit

AT_NOON = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize("planned", [a.value for a in PlanAction])
def test_a_critical_kind_is_sent_at_once_whatever_it_was_planned(planned: str) -> None:
    assert settled_action(planned, critical=True) is PlanAction.SEND


@pytest.mark.parametrize("planned", list(PlanAction))
def test_an_ordinary_kind_does_as_planned(planned: PlanAction) -> None:
    assert settled_action(planned.value, critical=False) is planned


def test_an_unknown_planned_action_is_refused() -> None:
    with pytest.raises(ValueError, match="later"):
        settled_action("later", critical=False)


def test_a_critical_kind_of_a_category_the_person_digests_is_planned_send() -> None:
    # Today every critical kind is of the safety category, which cannot be digested; a
    # critical kind of another category must not wait for that category's digest either.
    digests_duty = CategoryPreference(Category.DUTY, (Channel.INAPP,), digest=True)

    def planned(kind: Kind) -> DeliveryPlan:
        return plan(
            kind=kind,
            preference=digests_duty,
            reachable=set(),
            quiet_hours=None,
            zone=ZoneInfo("Asia/Shanghai"),
            locale="zh-CN",
            now=AT_NOON,
        )

    assert planned(KINDS["shift_changed"]).action == "digest"
    urgent_duty = replace(KINDS["shift_changed"], priority=Priority.CRITICAL)
    urgent = planned(urgent_duty)
    assert (urgent.action, urgent.hold_until) == ("send", None)
    assert settled_action(urgent.action, critical=urgent_duty.critical) is PlanAction.SEND
