"""Helpers for the staff-assessment and credits e2e tests: scheduling's events produced
onto its topics exactly as its outbox relay would (CloudEvents headers, the event's key),
waiting for evaluation's consumer, and the routes' base URL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg

from shared.events.base import DomainEvent
from shared.events.codec import encode
from shared.events.registry import spec_for_model
from shared.events.scheduling import (
    AttendanceRecorded,
    AttendanceSanctionImposed,
    DutyCheckedIn,
    DutyMissed,
    HandoverRecorded,
    ShiftAssigned,
    ShiftCancelled,
    ShiftChanged,
)
from tests.e2e.evaluation.college import COLLEGE
from tests.support.kafka import group_caught_up, publish, send, wait_until

SCHEDULING = "/campusflow/scheduling"
CONSUMER_GROUP = "campusflow.evaluation.duty-facts"
T0 = datetime(2026, 9, 1, tzinfo=UTC)
TERM_ENDS = datetime(2027, 1, 20, tzinfo=UTC)


def base_url(services: dict[str, str], college: str = COLLEGE) -> str:
    return f"{services['evaluation']}/api/evaluation/colleges/{college}"


def new_term() -> str:
    return f"t-{uuid4().hex[:10]}"


async def produce(bootstrap: str, events: list[tuple[DomainEvent, UUID]]) -> None:
    """Each event under its given CloudEvents id, as scheduling's relay publishes it."""
    await publish(bootstrap, events, source=SCHEDULING)


async def produce_raw(
    bootstrap: str, event: DomainEvent, value: bytes, event_id: UUID | None = None
) -> None:
    """A message with the event's headers and key but the given value (a malformed one)."""
    encoded = encode(event, source=SCHEDULING, now=datetime.now(UTC), event_id=event_id)
    await send(bootstrap, [(encoded, value)])


def topics_of(events: list[tuple[DomainEvent, UUID]]) -> set[str]:
    return {spec_for_model(type(e)).topic.name for e, _ in events}


async def consumed(bootstrap: str, topics: set[str], timeout_s: float = 60) -> None:
    """Evaluation's duty-facts consumer has committed everything on the topics."""

    async def caught_up() -> bool:
        for topic in topics:
            if not await group_caught_up(bootstrap, CONSUMER_GROUP, topic):
                return False
        return True

    await wait_until(caught_up, timeout_s=timeout_s, what="evaluation's duty facts", every_s=0.5)


async def connect(dsn: str) -> asyncpg.Connection:
    """A connection to evaluation's schema, for hooks called in the test's transaction."""
    return await asyncpg.connect(dsn, server_settings={"search_path": "evaluation"})


async def facts_stored(dsn: str, person: str) -> set[UUID]:
    conn = await connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT event_id FROM evaluation.duty_facts WHERE person_ids @> ARRAY[$1]", person
        )
    finally:
        await conn.close()
    return {r["event_id"] for r in rows}


async def wait_facts(dsn: str, person: str, expected: set[UUID], timeout_s: float = 60) -> None:
    async def arrived() -> bool:
        return expected <= await facts_stored(dsn, person)

    await wait_until(arrived, timeout_s=timeout_s, what=f"the duty facts of {person}")


@dataclass
class DutyTerm:
    """One member's term of duty as scheduling would report it, each event with its id.

    Four shifts: kept on time with a handover, kept late, missed, cancelled; one shift
    changed away to someone else; three meetings (present, unexcused, excused); a verbal
    warning; and two facts of another term (a shift after the window, a meeting of
    another term label) that no figure may count.
    """

    person: str
    term: str
    college: str = COLLEGE
    shifts: dict[str, UUID] = field(default_factory=dict)
    events: list[tuple[DomainEvent, UUID]] = field(default_factory=list)
    by_kind: dict[str, set[UUID]] = field(default_factory=dict)
    assignments: dict[str, UUID] = field(default_factory=dict)

    def _add(self, kind: str, event: DomainEvent) -> UUID:
        event_id = uuid4()
        self.events.append((event, event_id))
        self.by_kind.setdefault(kind, set()).add(event_id)
        return event_id

    def at(self, day: int, hour: int = 8) -> datetime:
        return T0 + timedelta(days=day, hours=hour)

    def assigned(self, shift: UUID, day: int, kind: str = "assigned") -> UUID:
        return self._add(
            kind,
            ShiftAssigned(
                college=self.college,
                shift_id=shift,
                rota_id=uuid4(),
                person_id=self.person,
                post="值班室",
                starts_at=self.at(day),
                ends_at=self.at(day, 10),
            ),
        )

    def build(self, other: str) -> DutyTerm:
        s = self.shifts = {k: uuid4() for k in ("on_time", "late", "missed", "cancelled", "away")}
        s["next_term"] = uuid4()
        for day, name in enumerate(("on_time", "late", "missed", "cancelled", "away"), start=1):
            self.assignments[name] = self.assigned(s[name], day)
        self._add(
            "cancelled",
            ShiftCancelled(
                college=self.college,
                shift_id=s["cancelled"],
                rota_id=uuid4(),
                person_id=self.person,
                reason="节假日调休",
                starts_at=self.at(4),
            ),
        )
        self._add(
            "changed",
            ShiftChanged(
                college=self.college,
                shift_id=s["away"],
                rota_id=uuid4(),
                from_person_id=self.person,
                to_person_id=other,
                why="swap",
                starts_at=self.at(5),
                ends_at=self.at(5, 10),
            ),
        )
        for name, day, late in (("on_time", 1, False), ("late", 2, True)):
            self._add(
                "late" if late else "checked_in",
                DutyCheckedIn(
                    college=self.college,
                    shift_id=s[name],
                    person_id=self.person,
                    post="值班室",
                    checked_in_at=self.at(day, 8 + late),
                    late=late,
                ),
            )
        self._add(
            "missed",
            DutyMissed(
                college=self.college,
                shift_id=s["missed"],
                person_id=self.person,
                post="值班室",
                starts_at=self.at(3),
            ),
        )
        self._add(
            "handover",
            HandoverRecorded(
                college=self.college,
                handover_id=uuid4(),
                shift_id=s["on_time"],
                person_id=self.person,
                post="值班室",
                unfinished_tasks="复印材料待取",
                recorded_at=self.at(1, 10),
            ),
        )
        for attendance in ("present", "unexcused", "excused"):
            self.attendance(attendance, self.term)
        self.attendance("present", "another-term", kind="other_term")
        self._add(
            "sanction",
            AttendanceSanctionImposed(
                college=self.college,
                sanction_id=uuid4(),
                person_id=self.person,
                organisation_kind="department",
                organisation_id="office",
                sanction="verbal_warning",
                reason="无故缺席例会",
                term=self.term,
                imposed_at=self.at(20),
            ),
        )
        self.assigned(s["next_term"], 200, kind="other_term")
        return self

    def attendance(self, attendance: str, term: str, kind: str | None = None) -> UUID:
        return self._add(
            kind or f"meeting_{attendance}",
            AttendanceRecorded(
                college=self.college,
                meeting_id=uuid4(),
                person_id=self.person,
                attendance=attendance,  # type: ignore[arg-type]
                term=term,
                recorded_at=self.at(10),
            ),
        )

    def checked_in(self, shift: UUID, day: int) -> UUID:
        return self._add(
            "checked_in",
            DutyCheckedIn(
                college=self.college,
                shift_id=shift,
                person_id=self.person,
                post="值班室",
                checked_in_at=self.at(day),
                late=False,
            ),
        )

    def ids(self, *kinds: str) -> set[UUID]:
        return set().union(*(self.by_kind.get(k, set()) for k in kinds))
