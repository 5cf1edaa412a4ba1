"""One sample of every routed event, the facts the read models would hold for it, and who
must be told (the routing table's expected answers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from services.notifications.domain.route_model import (
    Facts,
    Meeting,
    Report,
    Shift,
    Swap,
    Team,
)
from shared.events import evaluation as ev
from shared.events import recruitment as rc
from shared.events import scheduling as sc
from shared.events.base import DomainEvent

T0 = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
T1 = T0 + timedelta(hours=2)
ID = UUID("00000000-0000-4000-8000-000000000001")
CS = {"college": "cs"}

TEAM = Team("大别山支教调研", "s-leader", ("s-1", "s-2"), "t-advisor")
REPORT = Report("留守儿童阅读现状调查", "s-leader", ("s-leader", "s-1"))
SHIFT = Shift("值班室", "学生活动中心 101", T0, T1)
MEETING = Meeting("部门例会", T0, "department", "dept-youth")


@dataclass(frozen=True)
class Sample:
    event: DomainEvent
    facts: Facts
    told: list[str]
    subject: str


def _app() -> dict[str, object]:
    return {**CS, "application_id": ID, "campaign_id": "summer", "applicant_id": "s-app"}


SAMPLES: list[Sample] = [
    Sample(
        rc.ApplicationSubmitted(
            **CS,
            application_id=ID,
            campaign_id="summer",
            applicant_id="s-app",
            applicant_name="李明",
            submitted_at=T0,
        ),
        Facts(campaign_title="暑期支教"),
        ["s-app"],
        str(ID),
    ),
    Sample(
        rc.InterviewScheduled(**_app(), slot_id=uuid4(), starts_at=T0, ends_at=T1, place="A101"),
        Facts(),
        ["s-app"],
        str(ID),
    ),
    Sample(
        rc.ApplicantAdmitted(**_app(), squad_id="sq", decided_at=T0),
        Facts(),
        ["s-app"],
        str(ID),
    ),
    Sample(rc.ApplicantWaitlisted(**_app(), rank=3, decided_at=T0), Facts(), ["s-app"], str(ID)),
    Sample(rc.ApplicantRejected(**_app(), reason="满", decided_at=T0), Facts(), ["s-app"], str(ID)),
    Sample(
        rc.ApplicantPromoted(**_app(), replaces_application_id=uuid4(), decided_at=T0),
        Facts(),
        ["s-app"],
        str(ID),
    ),
    Sample(
        rc.MembershipStarted(
            **CS,
            membership_id=ID,
            person_id="s-m",
            organisation_kind="department",
            organisation_id="dept-youth",
            how="admitted",
            started_at=T0,
        ),
        Facts(),
        ["s-m"],
        str(ID),
    ),
    Sample(
        rc.MembershipEnded(
            **CS,
            membership_id=ID,
            person_id="s-m",
            organisation_kind="department",
            organisation_id="dept-youth",
            how="expelled",
            reason="请假超过三分之一",
            ended_at=T0,
        ),
        Facts(),
        ["s-m"],
        str(ID),
    ),
    Sample(
        rc.ProjectTeamApproved(
            **CS, team_id=ID, season="2026", project_class="I", budget_yuan=3000, approved_at=T0
        ),
        Facts(team=TEAM),
        ["s-leader", "s-1", "s-2", "t-advisor"],
        str(ID),
    ),
    Sample(
        rc.ProjectTeamRejected(**CS, team_id=ID, season="2026", reason="选题重复", rejected_at=T0),
        Facts(team=TEAM),
        ["s-leader", "s-1", "s-2", "t-advisor"],
        str(ID),
    ),
    Sample(
        rc.PairingCreated(
            **CS,
            pairing_id=ID,
            beneficiary_id=uuid4(),
            volunteer_id="s-v",
            school_id="school-1",
            reasons=["数学"],
            created_at=T0,
        ),
        Facts(),
        ["s-v"],
        str(ID),
    ),
    Sample(
        rc.PairingEnded(
            **CS,
            pairing_id=ID,
            beneficiary_id=uuid4(),
            volunteer_id="s-v",
            reason="毕业",
            ended_at=T0,
        ),
        Facts(pairing_school="school-1"),
        ["s-v"],
        str(ID),
    ),
    Sample(
        sc.ShiftAssigned(
            **CS,
            shift_id=ID,
            rota_id=uuid4(),
            person_id="s-d",
            post="值班室",
            starts_at=T0,
            ends_at=T1,
        ),
        Facts(),
        ["s-d"],
        str(ID),
    ),
    Sample(
        sc.ShiftChanged(
            **CS,
            shift_id=ID,
            rota_id=uuid4(),
            from_person_id="s-a",
            to_person_id="s-b",
            why="swap",
            starts_at=T0,
            ends_at=T1,
        ),
        Facts(shift=SHIFT),
        ["s-b", "s-a"],
        str(ID),
    ),
    Sample(
        sc.ShiftCancelled(
            **CS, shift_id=ID, rota_id=uuid4(), person_id="s-d", reason="停课", starts_at=T0
        ),
        Facts(shift=SHIFT),
        ["s-d"],
        str(ID),
    ),
    Sample(
        sc.ShiftOffered(
            **CS,
            offer_id=ID,
            shift_id=uuid4(),
            rota_id=uuid4(),
            person_id="s-d",
            eligible=["s-e", "s-d", "s-f"],
            starts_at=T0,
        ),
        Facts(shift=SHIFT),
        ["s-e", "s-f"],
        str(ID),
    ),
    Sample(
        sc.SwapDecided(**CS, swap_id=ID, rota_id=uuid4(), decision="approved", decided_by="head"),
        Facts(swap=Swap("s-a", "s-b")),
        ["s-a", "s-b"],
        str(ID),
    ),
    Sample(
        sc.DutyMissed(**CS, shift_id=ID, person_id="s-d", post="值班室", starts_at=T0),
        Facts(),
        ["s-d"],
        str(ID),
    ),
    Sample(
        sc.HandoverRecorded(
            **CS,
            handover_id=ID,
            shift_id=uuid4(),
            person_id="s-d",
            post="值班室",
            unfinished_tasks="钥匙未归还",
            recorded_at=T1,
        ),
        Facts(next_shift_holders=("s-next", "s-d")),
        ["s-next"],
        str(ID),
    ),
    Sample(
        sc.LessonAssigned(
            **CS,
            lesson_id=ID,
            timetable_id=uuid4(),
            volunteer_id="s-teach",
            school="岳西县希望小学",
            class_name="三年级一班",
            subject="英语",
            starts_at=T0,
            ends_at=T1,
        ),
        Facts(),
        ["s-teach"],
        str(ID),
    ),
    Sample(
        sc.MeetingScheduled(
            **CS,
            meeting_id=ID,
            organisation_kind="department",
            organisation_id="dept-youth",
            title="部门例会",
            agenda="纳新总结",
            starts_at=T0,
            ends_at=T1,
            term="2026-fall",
        ),
        Facts(members=("s-1", "s-2")),
        ["s-1", "s-2"],
        str(ID),
    ),
    Sample(
        sc.MeetingCancelled(**CS, meeting_id=ID, reason="时间冲突"),
        Facts(meeting=MEETING, members=("s-1", "s-2")),
        ["s-1", "s-2"],
        str(ID),
    ),
    Sample(
        sc.LeaveDecided(**CS, leave_id=ID, person_id="s-l", decision="granted", decided_by="head"),
        Facts(),
        ["s-l"],
        str(ID),
    ),
    Sample(
        sc.AttendanceSanctionImposed(
            **CS,
            sanction_id=ID,
            person_id="s-x",
            organisation_kind="department",
            organisation_id="dept-youth",
            sanction="verbal_warning",
            reason="无故缺席一次",
            term="2026-fall",
            imposed_at=T0,
        ),
        Facts(),
        ["s-x"],
        str(ID),
    ),
    Sample(
        sc.ActivityScheduled(
            **CS,
            activity_id=ID,
            department_id="dept-youth",
            title="迎新晚会",
            people=["s-1", "s-2", "s-1"],
            starts_at=T0,
            ends_at=T1,
        ),
        Facts(),
        ["s-1", "s-2"],
        str(ID),
    ),
    Sample(
        sc.TaskDue(
            **CS,
            task_id=ID,
            activity_id=uuid4(),
            department_id="dept-youth",
            title="布置会场",
            assignee_id="s-t",
            due_at=T0,
        ),
        Facts(activity_title="迎新晚会"),
        ["s-t"],
        str(ID),
    ),
    Sample(
        ev.ReportExpected(
            **CS,
            report_id=ID,
            season="2026",
            kind="team",
            team_id=uuid4(),
            submitter_id="s-leader",
            author_ids=["s-leader", "s-1"],
            opens_at=T0,
            closes_at=T1,
        ),
        Facts(team=TEAM),
        ["s-leader", "s-1"],
        str(ID),
    ),
    Sample(
        ev.ReviewAssigned(
            **CS, report_id=ID, season="2026", reviewer_id="r-1", why="initial", assigned_at=T0
        ),
        Facts(report=REPORT),
        ["r-1"],
        str(ID),
    ),
    Sample(
        ev.SimilarityFlagged(
            **CS,
            report_id=ID,
            season="2026",
            version=1,
            containment=0.8,
            threshold=0.5,
            sources=[],
            flagged_at=T0,
        ),
        Facts(report=REPORT, committee_chairs=("chair",)),
        ["chair"],
        str(ID),
    ),
    Sample(
        ev.IntegrityDecided(
            **CS,
            report_id=ID,
            season="2026",
            decision="misconduct",
            decided_by="chair",
            reason="抄袭",
            decided_at=T0,
        ),
        Facts(report=REPORT),
        ["s-leader", "s-1"],
        str(ID),
    ),
    Sample(
        ev.GradeFinalised(
            **CS,
            report_id=ID,
            season="2026",
            grade="优",
            passed=True,
            teacher_id="t-1",
            author_ids=["s-leader", "s-1"],
            finalised_at=T0,
        ),
        Facts(report=REPORT),
        ["s-leader", "s-1"],
        str(ID),
    ),
    Sample(
        ev.AwardGranted(
            **CS,
            report_id=ID,
            season="2026",
            prize="first",
            calibrated_score=92.5,
            author_ids=["s-leader"],
            granted_at=T0,
        ),
        Facts(report=REPORT),
        ["s-leader"],
        str(ID),
    ),
    Sample(
        ev.DefenseScheduled(
            **CS,
            defense_id=ID,
            report_id=uuid4(),
            season="2026",
            room="B201",
            panel_ids=["p-1", "s-1"],
            starts_at=T0,
            ends_at=T1,
        ),
        Facts(report=REPORT),
        ["s-leader", "s-1", "p-1"],
        str(ID),
    ),
    Sample(
        ev.AwardWithdrawn(
            **CS,
            report_id=ID,
            season="2026",
            prize="second",
            reason="学术不端：抄袭",
            withdrawn_at=T0,
        ),
        Facts(report=REPORT),
        ["s-leader", "s-1"],  # every author of the report loses the prize
        str(ID),
    ),
    Sample(
        ev.DefenseWithdrawn(
            **CS,
            defense_id=ID,
            report_id=uuid4(),
            season="2026",
            room="B201",
            panel_ids=["p-1", "s-1"],
            starts_at=T0,
            ends_at=T1,
            decided=False,
            reason="学术不端：抄袭",
            withdrawn_at=T0,
        ),
        Facts(report=REPORT),
        ["s-leader", "s-1", "p-1"],
        str(ID),
    ),
    Sample(
        ev.CreditsAwarded(
            **CS,
            entry_id=ID,
            student_id="s-c",
            report_id=uuid4(),
            season="2026",
            credits=1,
            balance=1,
            reason="社会实践合格",
            awarded_at=T0,
        ),
        Facts(),
        ["s-c"],
        str(ID),
    ),
    Sample(
        ev.CreditsRevoked(
            **CS,
            entry_id=ID,
            student_id="s-c",
            report_id=uuid4(),
            season="2026",
            credits=1,
            balance=0,
            reason="学术不端",
            revoked_at=T0,
        ),
        Facts(),
        ["s-c"],
        str(ID),
    ),
    Sample(
        ev.StaffAssessmentPublished(
            **CS,
            assessment_id=ID,
            person_id="s-s",
            term="2026-fall",
            total=88.0,
            figures=[],
            published_at=T0,
        ),
        Facts(),
        ["s-s"],
        str(ID),
    ),
    Sample(
        ev.StaffAssessmentWithdrawn(
            **CS,
            assessment_id=ID,
            person_id="s-s",
            term="2026-fall",
            version=3,
            withdrawn_at=T0,
        ),
        Facts(),
        ["s-s"],
        str(ID),
    ),
    Sample(
        ev.StaffSanctionImposed(
            **CS,
            sanction_id=ID,
            person_id="s-w",
            term="2026-fall",
            kind="warning",
            reason="值班记录不实",
            imposed_by="o-1",
            imposed_at=T0,
        ),
        Facts(),
        ["s-w"],
        str(ID),
    ),
    Sample(
        ev.StaffSanctionAnnulled(
            **CS,
            sanction_id=ID,
            person_id="s-w",
            term="2026-fall",
            kind="warning",
            reason="经核实系误记",
            annulled_by="o-1",
            annulled_at=T0,
        ),
        Facts(),
        ["s-w"],
        str(ID),
    ),
]
