"""The rest of the routing table on the real stack: each of the other routed events of
recruitment, scheduling and evaluation, produced as their outbox would, gives each person
it concerns exactly the notice of its kind (recipients from the event or the read models),
and nothing more after a replay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import pytest

from shared.events import evaluation as ev
from shared.events import recruitment as rc
from shared.events import scheduling as sc
from shared.events.base import DomainEvent
from tests.e2e.notifications.routing_support import kinds_of, produce, routed, run_id, with_ids
from tools.stack import StackEndpoints

pytestmark = pytest.mark.e2e

C = {"college": "cs"}
T0 = datetime(2026, 12, 9, 1, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=2)


def _story(p: dict[str, str]) -> tuple[list[DomainEvent], list[DomainEvent]]:
    """(the facts first, then the events that tell people)."""
    application, shift, rota, swap, activity = uuid4(), uuid4(), uuid4(), uuid4(), uuid4()
    pairing, report, team = uuid4(), uuid4(), uuid4()
    app = {**C, "application_id": application, "campaign_id": "summer", "applicant_id": p["app"]}
    facts: list[DomainEvent] = [
        rc.CampaignOpened(
            **C,
            campaign_id="summer",
            title="“一帮一”暑期知识拓展班",
            place="岳西县",
            starts_on=T0.date(),
            ends_on=T1.date(),
            applications_close_at=T1,
            positions=[],
        ),
        rc.ProjectTeamRegistered(
            **C,
            team_id=team,
            season="2026",
            title="乡村阅读",
            leader_id=p["lead"],
            member_ids=[p["mate"]],
            advisor_id=p["adv"],
            registered_at=T0,
        ),
        rc.PairingCreated(
            **C,
            pairing_id=pairing,
            beneficiary_id=uuid4(),
            volunteer_id=p["vol"],
            school_id="yuexi-1",
            reasons=["数学辅导"],
            created_at=T0,
        ),
        sc.ShiftAssigned(
            **C,
            shift_id=shift,
            rota_id=rota,
            person_id=p["old"],
            post="图书馆值班",
            starts_at=T0,
            ends_at=T1,
        ),
        sc.SwapRequested(
            **C,
            swap_id=swap,
            rota_id=rota,
            requester_id=p["req"],
            requester_shift_id=uuid4(),
            partner_id=p["par"],
            partner_shift_id=uuid4(),
        ),
        sc.ActivityScheduled(
            **C,
            activity_id=activity,
            department_id="d",
            title="迎新晚会",
            people=[p["act"]],
            starts_at=T0,
            ends_at=T1,
        ),
        ev.ReportExpected(
            **C,
            report_id=report,
            season="2026",
            kind="individual",
            title="支教总结",
            submitter_id=p["auth"],
            author_ids=[p["auth"]],
            opens_at=T0,
            closes_at=T1,
        ),
    ]
    told: list[DomainEvent] = [
        rc.InterviewScheduled(**app, slot_id=uuid4(), starts_at=T0, ends_at=T1, place="A101"),
        rc.ApplicantWaitlisted(**app, rank=2, decided_at=T0),
        rc.ApplicantPromoted(**app, replaces_application_id=uuid4(), decided_at=T1),
        rc.ProjectTeamRejected(**C, team_id=team, season="2026", reason="经费不足", rejected_at=T0),
        rc.PairingEnded(
            **C,
            pairing_id=pairing,
            beneficiary_id=uuid4(),
            volunteer_id=p["vol"],
            reason="学期结束",
            ended_at=T1,
        ),
        sc.ShiftChanged(
            **C,
            shift_id=shift,
            rota_id=rota,
            from_person_id=p["old"],
            to_person_id=p["new"],
            why="repair",
            starts_at=T0,
            ends_at=T1,
        ),
        sc.ShiftCancelled(
            **C, shift_id=shift, rota_id=rota, person_id=p["new"], reason="闭馆", starts_at=T0
        ),
        sc.ShiftOffered(
            **C,
            offer_id=uuid4(),
            shift_id=shift,
            rota_id=rota,
            person_id=p["old"],
            eligible=[p["elig"], p["old"]],
            starts_at=T0,
        ),
        sc.SwapDecided(**C, swap_id=swap, rota_id=rota, decision="refused", decided_by="head"),
        sc.DutyMissed(**C, shift_id=uuid4(), person_id=p["miss"], post="值班室", starts_at=T0),
        sc.LeaveDecided(
            **C, leave_id=uuid4(), person_id=p["leave"], decision="granted", decided_by="h"
        ),
        sc.AttendanceSanctionImposed(
            **C,
            sanction_id=uuid4(),
            person_id=p["late"],
            organisation_kind="department",
            organisation_id="d",
            sanction="verbal_warning",
            reason="无故缺席例会一次",
            term="2026-fall",
            imposed_at=T0,
        ),
        sc.TaskDue(
            **C,
            task_id=uuid4(),
            activity_id=activity,
            department_id="d",
            title="布置会场",
            assignee_id=p["task"],
            due_at=T1,
        ),
        ev.IntegrityDecided(
            **C,
            report_id=report,
            season="2026",
            decision="cleared",
            decided_by="chair",
            reason="引用规范",
            decided_at=T0,
        ),
        ev.GradeFinalised(
            **C,
            report_id=report,
            season="2026",
            grade="良",
            passed=True,
            teacher_id="t",
            author_ids=[p["auth"]],
            finalised_at=T0,
        ),
        ev.AwardGranted(
            **C,
            report_id=report,
            season="2026",
            prize="second",
            calibrated_score=85.0,
            author_ids=[p["auth"]],
            granted_at=T0,
        ),
        ev.DefenseScheduled(
            **C,
            defense_id=uuid4(),
            report_id=report,
            season="2026",
            room="B201",
            panel_ids=[p["panel"]],
            starts_at=T0,
            ends_at=T1,
        ),
        ev.AwardWithdrawn(
            **C,
            report_id=report,
            season="2026",
            prize="second",
            reason="学术不端",
            withdrawn_at=T1,
        ),
        ev.DefenseWithdrawn(
            **C,
            defense_id=uuid4(),
            report_id=report,
            season="2026",
            room="B202",
            panel_ids=[p["panel"]],
            starts_at=T0,
            ends_at=T1,
            decided=False,
            reason="学术不端",
            withdrawn_at=T1,
        ),
        ev.CreditsRevoked(
            **C,
            entry_id=uuid4(),
            student_id=p["rev"],
            report_id=report,
            season="2026",
            credits=1,
            balance=0,
            reason="学术不端",
            revoked_at=T0,
        ),
        ev.StaffAssessmentPublished(
            **C,
            assessment_id=uuid4(),
            person_id=p["staff"],
            term="2026-fall",
            total=91.5,
            figures=[],
            published_at=T0,
        ),
        ev.StaffAssessmentWithdrawn(
            **C,
            assessment_id=uuid4(),
            person_id=p["unassessed"],
            term="2026-fall",
            version=2,
            withdrawn_at=T0,
        ),
        ev.StaffSanctionImposed(
            **C,
            sanction_id=uuid4(),
            person_id=p["sanctioned"],
            term="2026-fall",
            kind="notice_of_criticism",
            reason="值班期间多次擅自离岗",
            imposed_by="cs-officer",
            imposed_at=T0,
        ),
        ev.StaffSanctionAnnulled(
            **C,
            sanction_id=uuid4(),
            person_id=p["unsanctioned"],
            term="2026-fall",
            kind="dismissal",
            reason="经核实系误记",
            annulled_by="cs-officer",
            annulled_at=T0,
        ),
    ]
    return facts, told


EXPECTED = {
    "app": ["applicant_promoted", "applicant_waitlisted", "interview_scheduled"],
    "lead": ["team_rejected"],
    "mate": ["team_rejected"],
    "adv": ["team_rejected"],
    "vol": ["pairing_created", "pairing_ended"],
    "old": ["shift_assigned", "shift_changed"],
    "new": ["shift_cancelled", "shift_changed"],
    "elig": ["shift_offered"],
    "req": ["swap_decided"],
    "par": ["swap_decided"],
    "miss": ["duty_missed"],
    "leave": ["leave_decided"],
    "late": ["attendance_sanction"],
    "act": ["activity_scheduled"],
    "task": ["task_due"],
    "auth": [
        "award_granted",
        "award_withdrawn",
        "defense_scheduled",
        "defense_withdrawn",
        "grade_finalised",
        "integrity_decided",
        "report_expected",
    ],
    "panel": ["defense_scheduled", "defense_withdrawn"],
    "rev": ["credits_revoked"],
    "staff": ["staff_assessment_published"],
    "unassessed": ["staff_assessment_withdrawn"],
    "sanctioned": ["staff_sanction"],
    "unsanctioned": ["staff_sanction_annulled"],
}


async def test_every_other_route_tells_its_people_once(
    services: dict[str, str], stack: StackEndpoints
) -> None:
    url, bootstrap, run = services["notifications"], stack.kafka_bootstrap, run_id()
    p = {name: f"{name}-{run}" for name in EXPECTED}
    facts_events, told_events = _story(p)
    facts, told = with_ids(facts_events), with_ids(told_events)
    await produce(bootstrap, facts)
    await routed(bootstrap, facts)
    await produce(bootstrap, told)
    await routed(bootstrap, told)
    async with httpx.AsyncClient(timeout=10) as client:
        seen = {name: await kinds_of(client, url, "cs", p[name]) for name in EXPECTED}
        assert seen == EXPECTED
        await produce(bootstrap, [*facts, *told])
        await routed(bootstrap, [*facts, *told])
        again = {name: await kinds_of(client, url, "cs", p[name]) for name in EXPECTED}
        assert again == EXPECTED
