"""Selection rules: screening by criteria, admit up to headcount, waitlist, promotion, squads."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from services.recruitment.domain.applications import ApplicationStatus, VolunteerApplication
from services.recruitment.domain.campaigns import (
    Campaign,
    CampaignStatus,
    Position,
    ScreeningCriteria,
)
from services.recruitment.domain.selection import (
    InterviewResult,
    Outcome,
    Place,
    decide_position,
    name_squad_leader,
    promote_first_on_waitlist,
    screen,
)
from shared.events.recruitment import (
    ApplicantAdmitted,
    ApplicantPromoted,
    ApplicantRejected,
    ApplicantWaitlisted,
    VolunteerEnrolled,
)
from shared.rules import RuleBroken as RecruitmentRuleBroken

pytestmark = pytest.mark.unit
NOW = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)
TEACHERS = Position("teachers", "支教老师", 2, ("english",), False)
SQUAD = Position("squad", "特招服务小队", 1, (), True)
CAMPAIGN = Campaign(
    college="cs",
    campaign_id="2026-summer",
    title="一帮一",
    place="县城小学",
    starts_on=date(2026, 7, 8),
    ends_on=date(2026, 8, 11),
    opens_at=NOW - timedelta(days=10),
    closes_at=NOW - timedelta(days=1),
    positions=(TEACHERS, SQUAD),
    screening=ScreeningCriteria(min_grade_year=2, questions=("为什么想去？",)),
    status=CampaignStatus.CLOSED,
    opened_by="o",
    opened_at=NOW - timedelta(days=10),
)


def application(
    n: int,
    *,
    position: Position = TEACHERS,
    status: ApplicationStatus = ApplicationStatus.SCREENED_IN,
    skills: tuple[str, ...] = ("english",),
    grade_year: int | None = 2,
    answers: tuple[str, ...] = ("想教英语",),
) -> VolunteerApplication:
    return VolunteerApplication(
        id=uuid4(),
        college="cs",
        campaign_id=CAMPAIGN.campaign_id,
        position_id=position.position_id,
        applicant_id=f"s{n}",
        applicant_name=f"学生{n}",
        motivation="m",
        skills=skills,
        grade_year=grade_year,
        answers=answers,
        status=status,
        submitted_at=NOW - timedelta(days=5, minutes=-n),  # lower n applied earlier
    )


def decide(
    applications: list[VolunteerApplication],
    *,
    position: Position = TEACHERS,
    interviews: dict[UUID, InterviewResult] | None = None,
    rejections: dict[UUID, str] | None = None,
    campaign: Campaign = CAMPAIGN,
) -> Outcome:
    return decide_position(
        campaign=campaign,
        position=position,
        applications=applications,
        interviews=interviews or {},
        rejections=rejections or {},
        places={applications[0].id: Place(county="岳西县", school_id="yx-1")}
        if applications
        else {},
        now=NOW,
    )


def test_an_applicant_meeting_every_criterion_is_screened_in_with_reasons() -> None:
    screened, event = screen(
        application(1, status=ApplicationStatus.SUBMITTED), campaign=CAMPAIGN, now=NOW
    )
    assert screened.status is ApplicationStatus.SCREENED_IN
    assert event.passed
    assert "has the required skills: english" in event.reasons
    assert "answered every screening question" in event.reasons


def test_an_applicant_lacking_a_required_skill_is_screened_out() -> None:
    _, event = screen(
        application(1, status=ApplicationStatus.SUBMITTED, skills=("sports",)),
        campaign=CAMPAIGN,
        now=NOW,
    )
    assert not event.passed
    assert "lacks required skills: english" in event.reasons


def test_an_applicant_below_the_minimum_grade_year_is_screened_out() -> None:
    _, event = screen(
        application(1, status=ApplicationStatus.SUBMITTED, grade_year=1), campaign=CAMPAIGN, now=NOW
    )
    assert not event.passed
    assert "grade year 1 below 2" in event.reasons


def test_an_unanswered_screening_question_screens_out() -> None:
    _, event = screen(
        application(1, status=ApplicationStatus.SUBMITTED, answers=("  ",)),
        campaign=CAMPAIGN,
        now=NOW,
    )
    assert not event.passed


def test_an_application_is_screened_once() -> None:
    with pytest.raises(RecruitmentRuleBroken) as refused:
        screen(application(1), campaign=CAMPAIGN, now=NOW)
    assert refused.value.rule == "screened_once"


def test_admit_up_to_the_headcount_and_waitlist_the_rest_in_order() -> None:
    apps = [application(n) for n in range(4)]
    outcome = decide(apps)
    by_id = {a.id: a for a in outcome.applications}
    assert [by_id[a.id].status for a in apps] == [
        "admitted",
        "admitted",
        "waitlisted",
        "waitlisted",
    ]
    assert [by_id[a.id].waitlist_rank for a in apps[2:]] == [1, 2]
    admitted = [e for e in outcome.events if isinstance(e, ApplicantAdmitted)]
    waitlisted = [e for e in outcome.events if isinstance(e, ApplicantWaitlisted)]
    enrolled = [e for e in outcome.events if isinstance(e, VolunteerEnrolled)]
    assert len(admitted) == 2 and len(enrolled) == 2
    assert [e.rank for e in waitlisted] == [1, 2]
    assert enrolled[0].availability_ref == "timetable:cs:s0"
    assert outcome.volunteers[0].school_id == "yx-1"
    assert outcome.volunteers[1].school_id is None
    # The applicant is told the campaign's name, not its id.
    titles = {e.campaign_title for e in [*admitted, *waitlisted]}
    assert len(titles) == 1 and None not in titles


def test_an_officer_rejects_with_a_reason_and_the_next_moves_up() -> None:
    apps = [application(n) for n in range(3)]
    outcome = decide(apps, rejections={apps[0].id: "时间冲突"})
    statuses = {a.id: a.status for a in outcome.applications}
    assert statuses[apps[0].id] == "rejected"
    assert statuses[apps[1].id] == statuses[apps[2].id] == "admitted"
    rejected = [e for e in outcome.events if isinstance(e, ApplicantRejected)]
    assert rejected[0].reason == "时间冲突"
    assert rejected[0].campaign_title


def test_a_screened_out_applicant_is_rejected_with_the_screening_reasons() -> None:
    out = replace(
        application(1, status=ApplicationStatus.SCREENED_OUT), screening_reasons=("lacks x",)
    )
    outcome = decide([out])
    assert outcome.applications[0].decision_reason == "screened out: lacks x"


def test_a_squad_ranks_by_interview_score_and_rejects_the_unrecommended() -> None:
    a, b, c, d = (application(n, position=SQUAD) for n in range(4))
    outcome = decide(
        [a, b, c, d],
        position=SQUAD,
        interviews={
            a.id: InterviewResult(60, True),
            b.id: InterviewResult(90, True),
            c.id: InterviewResult(95, False),
        },
    )
    statuses = {x.id: x.status for x in outcome.applications}
    assert statuses[b.id] == "admitted" and statuses[a.id] == "waitlisted"
    assert statuses[c.id] == statuses[d.id] == "rejected"
    admitted = next(e for e in outcome.events if isinstance(e, ApplicantAdmitted))
    assert admitted.squad_id == "2026-summer:squad"


def test_no_decision_while_the_campaign_is_open() -> None:
    with pytest.raises(RecruitmentRuleBroken) as refused:
        decide([application(1)], campaign=replace(CAMPAIGN, status=CampaignStatus.OPEN))
    assert refused.value.rule == "campaign_still_open"


def test_no_decision_while_screening_is_pending() -> None:
    with pytest.raises(RecruitmentRuleBroken) as refused:
        decide([application(1, status=ApplicationStatus.SUBMITTED)])
    assert refused.value.rule == "screening_pending"


def test_a_position_is_decided_once() -> None:
    with pytest.raises(RecruitmentRuleBroken) as refused:
        decide([replace(application(1), status=ApplicationStatus.ADMITTED, decided_at=NOW)])
    assert refused.value.rule == "position_already_decided"


def test_a_rejection_of_an_unknown_application_is_refused() -> None:
    with pytest.raises(RecruitmentRuleBroken) as refused:
        decide([application(1)], rejections={uuid4(): "x"})
    assert (refused.value.field, refused.value.rule) == ("rejections", "unknown_application")


def test_when_an_admitted_volunteer_withdraws_the_first_on_the_waitlist_is_promoted() -> None:
    gone = replace(application(0), status=ApplicationStatus.ADMITTED)
    second = replace(application(2), status=ApplicationStatus.WAITLISTED, waitlist_rank=2)
    first = replace(application(3), status=ApplicationStatus.WAITLISTED, waitlist_rank=1)
    outcome = promote_first_on_waitlist(
        freed_by=gone, waitlist=[second, first], place=Place("岳西县", "yx-1"), now=NOW
    )
    assert [a.id for a in outcome.applications] == [first.id]
    assert outcome.applications[0].status is ApplicationStatus.ADMITTED
    promoted = next(e for e in outcome.events if isinstance(e, ApplicantPromoted))
    assert promoted.replaces_application_id == gone.id
    assert any(isinstance(e, VolunteerEnrolled) for e in outcome.events)
    assert outcome.volunteers[0].school_id == "yx-1"


def test_an_empty_waitlist_promotes_nobody() -> None:
    gone = replace(application(0), status=ApplicationStatus.ADMITTED)
    assert not promote_first_on_waitlist(
        freed_by=gone, waitlist=[], place=Place(), now=NOW
    ).applications


def test_a_squad_leader_is_one_of_the_admitted() -> None:
    leader = replace(application(1, position=SQUAD), status=ApplicationStatus.ADMITTED)
    assert name_squad_leader(SQUAD, leader=leader).squad_leader_id == "s1"
    with pytest.raises(RecruitmentRuleBroken) as refused:
        name_squad_leader(SQUAD, leader=replace(leader, status=ApplicationStatus.WAITLISTED))
    assert refused.value.rule == "squad_leader_must_be_admitted"


def test_only_squads_have_leaders() -> None:
    member = replace(application(1), status=ApplicationStatus.ADMITTED)
    with pytest.raises(RecruitmentRuleBroken) as refused:
        name_squad_leader(TEACHERS, leader=member)
    assert refused.value.rule == "only_squads_have_leaders"


def test_an_officer_sets_a_volunteers_load_limit_per_placement_default_two() -> None:
    apps = [application(n) for n in range(2)]
    outcome = decide_position(
        campaign=CAMPAIGN,
        position=TEACHERS,
        applications=apps,
        interviews={},
        rejections={},
        places={apps[0].id: Place(county="岳西县", school_id="yx-1", max_children=5)},
        now=NOW,
    )
    limits = {v.application_id: v.max_children for v in outcome.volunteers}
    assert limits == {apps[0].id: 5, apps[1].id: 2}


@pytest.mark.parametrize("limit", [0, -1, 11])
def test_a_load_limit_outside_one_to_ten_is_refused(limit: int) -> None:
    with pytest.raises(RecruitmentRuleBroken) as broken:
        Place(county="岳西县", max_children=limit)
    assert (broken.value.field, broken.value.rule, broken.value.invalid) == (
        "max_children",
        "max_children_range",
        True,
    )


def test_a_promoted_volunteer_takes_the_place_with_its_load_limit() -> None:
    gone = replace(application(0), status=ApplicationStatus.ADMITTED)
    first = replace(application(3), status=ApplicationStatus.WAITLISTED, waitlist_rank=1)
    outcome = promote_first_on_waitlist(
        freed_by=gone, waitlist=[first], place=Place("岳西县", "yx-1", max_children=4), now=NOW
    )
    assert outcome.volunteers[0].max_children == 4
