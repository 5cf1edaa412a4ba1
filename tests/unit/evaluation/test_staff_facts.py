"""Scheduling's events as stored facts and back, and the stored figures of an assessment."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.evaluation.domain.duty_facts import AttendanceFact, CheckedInFact, ShiftChangedFact
from services.evaluation.domain.staff_assessment import DutyRecord, OfficerScore, Term, assess
from services.evaluation.repository.staff import FactRow
from services.evaluation.service.staff import event_figures, stored_figures
from services.evaluation.service.staff_facts import KINDS, DutyEvent, fact_of, row_of
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

pytestmark = pytest.mark.unit

AT = datetime(2026, 9, 3, 8, tzinfo=UTC)
TERM = Term("2026-autumn", datetime(2026, 9, 1, tzinfo=UTC), datetime(2027, 1, 20, tzinfo=UTC))


def events() -> list[DutyEvent]:
    shift = uuid4()
    common = {"college": "cs", "shift_id": shift}
    return [
        ShiftAssigned(
            **common, rota_id=uuid4(), person_id="p1", post="值班室", starts_at=AT, ends_at=AT
        ),
        ShiftChanged(
            **common,
            rota_id=uuid4(),
            from_person_id="p1",
            to_person_id="p2",
            why="swap",
            starts_at=AT,
            ends_at=AT,
        ),
        ShiftCancelled(**common, rota_id=uuid4(), person_id="p1", reason="停课", starts_at=AT),
        DutyCheckedIn(**common, person_id="p1", post="值班室", checked_in_at=AT, late=True),
        DutyMissed(**common, person_id="p1", post="值班室", starts_at=AT),
        HandoverRecorded(
            **common, handover_id=uuid4(), person_id="p1", post="值班室", recorded_at=AT
        ),
        AttendanceRecorded(
            college="cs",
            meeting_id=uuid4(),
            person_id="p1",
            attendance="late",
            term="2026-autumn",
            recorded_at=AT,
        ),
        AttendanceSanctionImposed(
            college="cs",
            sanction_id=uuid4(),
            person_id="p1",
            organisation_kind="department",
            organisation_id="office",
            sanction="verbal_warning",
            reason="缺席",
            term="2026-autumn",
            imposed_at=AT,
        ),
    ]


def test_every_kind_round_trips_through_its_stored_json() -> None:
    seen = set()
    for event in events():
        event_id = uuid4()
        row = row_of(event, event_id)
        seen.add(row.kind)
        # As the database gives it back: the JSON text parsed again.
        stored = FactRow(**{**vars(row), "payload": json.loads(json.dumps(row.payload))})
        fact = fact_of(stored)
        assert fact.event_id == event_id
        assert fact_of(row) == fact
        assert row.occurred_at == AT and row.college == "cs"
    assert seen == set(KINDS)


def test_who_and_which_term_a_fact_is_about() -> None:
    by_kind = {row_of(e, uuid4()).kind: (e, row_of(e, uuid4())) for e in events()}
    _, changed = by_kind["shift_changed"]
    assert changed.person_ids == ("p2", "p1")
    assert isinstance(fact_of(changed), ShiftChangedFact)
    _, meeting = by_kind["attendance"]
    assert meeting.term == "2026-autumn" and meeting.person_ids == ("p1",)
    assert isinstance(fact_of(meeting), AttendanceFact)
    _, checked = by_kind["checked_in"]
    assert checked.term is None
    fact = fact_of(checked)
    assert isinstance(fact, CheckedInFact) and fact.late


def test_stored_figures_trace_each_id_and_their_points_make_the_total() -> None:
    record = DutyRecord("p1", TERM).fold_all(fact_of(row_of(e, uuid4())) for e in events())
    score = OfficerScore(uuid4(), "officer-1", "attitude", 9.0)
    record = record.score(score)
    total, figures = stored_figures(record)
    assert total == assess(record).total.value
    by_name = {f["name"]: f for f in figures}
    criteria = [f for f in figures if f["kind"] == "criterion" and f["value"] is not None]
    assert sum(f["points"] for f in criteria) == pytest.approx(total, abs=0.05)
    assert sum(f["weight"] for f in criteria) == pytest.approx(1.0)
    assert by_name["attitude"]["scores"] == [str(score.score_id)]
    assert by_name["attitude"]["events"] == []
    assert by_name["ability"]["value"] is None and by_name["ability"]["weight"] is None
    assert set(by_name["total"]["scores"]) == {str(score.score_id)}
    # The event carries the figures with a value, each with how many ids it came from.
    sent = {f.name: f for f in event_figures(figures)}
    assert "ability" not in sent
    assert sent["attitude"].events == 1 and sent["attitude"].value == pytest.approx(0.9)
    assert sent["shifts_missed"].events == 1 and sent["total"].score == total
    # JSON as stored compares equal (so an unchanged re-publish is recognised).
    assert json.loads(json.dumps(figures)) == figures


def test_a_fact_outside_the_term_is_stored_but_not_folded() -> None:
    later = DutyMissed(
        college="cs",
        shift_id=uuid4(),
        person_id="p1",
        post="值班室",
        starts_at=TERM.ends_at + timedelta(days=1),
    )
    fact = fact_of(row_of(later, uuid4()))
    assert DutyRecord("p1", TERM).fold(fact).facts == {}
