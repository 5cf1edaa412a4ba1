"""A consumer is declared by event class; the kernel derives type strings and topics, and
refuses at start-up what it could not route."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import uuid4

import pytest

from services.notifications.consumers import APPLICANT_NOTICES
from services.recruitment.consumers import ATTENDANCE_SANCTIONS
from shared.events.base import DomainEvent, Envelope
from shared.events.recruitment import ApplicantAdmitted, ApplicationSubmitted
from shared.events.registry import (
    RECRUITMENT_APPLICATIONS,
    SCHEDULING_ATTENDANCE,
    UnknownEventType,
)
from shared.events.scheduling import AttendanceSanctionImposed
from shared.messaging.consumer import BatchHandler, EventConsumer, Handler
from shared.messaging.dead_letters import dead_letter_headers
from shared.rules import RuleBroken
from tests.support.kernel import application, encoded

pytestmark = pytest.mark.unit


async def on_submitted(conn: Any, event: ApplicationSubmitted, envelope: Envelope) -> None: ...


async def on_admitted(conn: Any, event: ApplicantAdmitted, envelope: Envelope) -> None: ...


async def on_sanction(conn: Any, event: AttendanceSanctionImposed, envelope: Envelope) -> None: ...


class CampaignPaused(DomainEvent):
    """A well-formed contract nobody registered."""

    event_type: ClassVar[str] = "campusflow.recruitment.campaign.paused.v1"
    key_field: ClassVar[str] = "campaign_id"
    campaign_id: str


class SubmittedCopy(ApplicationSubmitted):
    """The registered type string, but not the registered class."""


def test_the_services_consumers_read_where_the_registry_sends_their_events() -> None:
    assert ATTENDANCE_SANCTIONS.topics == (SCHEDULING_ATTENDANCE.name,)
    assert ATTENDANCE_SANCTIONS.handles(AttendanceSanctionImposed.event_type)
    assert APPLICANT_NOTICES.topics == (RECRUITMENT_APPLICATIONS.name,)
    assert APPLICANT_NOTICES.handles(ApplicationSubmitted.event_type)
    assert APPLICANT_NOTICES.handles(ApplicantAdmitted.event_type)
    assert not APPLICANT_NOTICES.handles("campusflow.recruitment.application.withdrawn.v1")


def test_topics_and_type_strings_are_derived_from_the_classes() -> None:
    consumer = EventConsumer(
        "derived",
        handlers=[Handler(ApplicationSubmitted, on_submitted)],
        batch_handlers=[
            BatchHandler(AttendanceSanctionImposed, _batch_of(AttendanceSanctionImposed)),
            BatchHandler(ApplicantAdmitted, _batch_of(ApplicantAdmitted)),
        ],
    )
    assert consumer.topics == (RECRUITMENT_APPLICATIONS.name, SCHEDULING_ATTENDANCE.name)
    for event in (ApplicationSubmitted, AttendanceSanctionImposed, ApplicantAdmitted):
        assert consumer.handles(event.event_type)
        assert consumer.handler_for(event.event_type).event is event
    assert not consumer.handles("campusflow.recruitment.application.withdrawn.v1")


def test_a_class_not_in_the_registry_fails_when_the_consumer_is_built() -> None:
    async def on_paused(conn: Any, event: CampaignPaused, envelope: Envelope) -> None: ...

    with pytest.raises(UnknownEventType, match=r"'paused-campaigns' handles CampaignPaused"):
        EventConsumer("paused-campaigns", handlers=[Handler(CampaignPaused, on_paused)])
    with pytest.raises(UnknownEventType, match="handles SubmittedCopy, which is not in"):
        EventConsumer("copies", batch_handlers=[BatchHandler(SubmittedCopy, _batch_of(Any))])


def test_a_class_is_handled_once() -> None:
    with pytest.raises(ValueError, match="handles ApplicationSubmitted twice"):
        EventConsumer(
            "twice",
            handlers=[Handler(ApplicationSubmitted, on_submitted)],
            batch_handlers=[BatchHandler(ApplicationSubmitted, _batch_of(ApplicationSubmitted))],
        )


def test_a_consumer_handles_something() -> None:
    with pytest.raises(ValueError, match="'idle' handles no event class"):
        EventConsumer("idle")


def test_the_old_declaration_is_refused_with_the_new_one_named() -> None:
    with pytest.raises(TypeError, match=r"Handler\(EventClass, handler\) pairs"):
        EventConsumer("old", handlers={ApplicationSubmitted.event_type: on_submitted})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"BatchHandler\(EventClass, handler\) pairs"):
        EventConsumer("swapped", batch_handlers=[Handler(ApplicationSubmitted, on_submitted)])  # type: ignore[list-item]


async def test_each_handler_is_handed_its_own_class() -> None:
    seen: list[tuple[object, Envelope]] = []

    async def on_one(conn: Any, event: ApplicationSubmitted, envelope: Envelope) -> None:
        seen.append((event, envelope))

    async def on_run(conn: Any, run: Sequence[tuple[ApplicationSubmitted, Envelope]]) -> None:
        seen.extend(run)

    first, second = application(), application()
    run: list[tuple[DomainEvent, Envelope]] = [
        (first, encoded(first).envelope),
        (second, encoded(second).envelope),
    ]
    await Handler(ApplicationSubmitted, on_one).apply_run(None, run)
    await BatchHandler(ApplicationSubmitted, on_run).apply_run(None, run)
    assert seen == run + run

    sanction = _sanction()
    with pytest.raises(TypeError, match="ApplicationSubmitted handler was handed"):
        await Handler(ApplicationSubmitted, on_one).apply_run(None, [(sanction, run[0][1])])


def test_a_test_may_read_the_same_types_from_a_private_topic() -> None:
    consumer = EventConsumer("private", handlers=[Handler(ApplicationSubmitted, on_submitted)])
    private = consumer.reading("campusflow.tests.private-1")
    assert private.topics == ("campusflow.tests.private-1",)
    assert private.handles(ApplicationSubmitted.event_type)
    assert consumer.topics == (RECRUITMENT_APPLICATIONS.name,)
    with pytest.raises(ValueError, match="at least one topic"):
        consumer.reading()


def test_a_dead_letter_of_a_broken_rule_names_the_rule() -> None:
    from shared.messaging.consumer import _dead_letter_reason

    class MembershipRuleBroken(RuleBroken):
        pass

    refused = MembershipRuleBroken(
        "already_a_member", field="person_id", message="该同学已是该部门成员"
    )
    headers = dict(
        dead_letter_headers(
            _Record(),
            consumer="recruitment.attendance-sanctions",
            error=_dead_letter_reason(refused),
            now=datetime.now(UTC),
        )
    )
    assert headers["dlt_error_class"] == b"MembershipRuleBroken"
    assert headers["dlt_error_message"].decode() == (
        "already_a_member (person_id): 该同学已是该部门成员"
    )
    assert str(refused) == "该同学已是该部门成员"  # the handler's own error is left alone
    other = ValueError("bad")
    assert _dead_letter_reason(other) is other


def _batch_of(event_class: Any) -> Any:
    async def apply(conn: Any, run: Sequence[tuple[Any, Envelope]]) -> None: ...

    return apply


def _sanction() -> AttendanceSanctionImposed:
    return AttendanceSanctionImposed(
        college="cs",
        sanction_id=uuid4(),
        person_id="s1",
        organisation_kind="department",
        organisation_id="d1",
        sanction="verbal_warning",
        reason="one unexcused absence",
        term="2026-autumn",
        imposed_at=datetime.now(UTC),
    )


@dataclass
class _Record:
    topic: str = SCHEDULING_ATTENDANCE.name
    partition: int = 0
    offset: int = 3
    key: bytes | None = b"p1"
    value: bytes | None = b"{}"
    headers: tuple[tuple[str, bytes], ...] | list[tuple[str, bytes]] = ()
