"""Demo: the computer college's summer social-practice report season (暑期社会实践报告评审),
through the evaluation API only.

In the order the work happens: the chair opens the season (window open today, the
committee's template); the approved project teams' reports arrive from recruitment's
events and the chair adds twelve individual requirements; every report is submitted (one
as a Word file); the committee is formed (class rosters, six reviewers with their loads,
one declared conflict, the rubric), the assignment runs and every reviewer scores their
reports (lenient and severe reviewers included, so the calibration has work to do); the
teacher finalises the grades (one override with its reason, the best report recommended
to the university); one student's report, graded early, pasted a team's draft: the team
submits later and its gate check flags the team; the chair's re-check flags her report,
she is found to have copied (misconduct, her credit revoked) and the team is cleared; the
team's report is then reviewed and graded; the prizes are granted; the
two best reports' submitters apply for the excellence review and defend; the office
member 刘洋's staff assessment is published from her duty records. Safe to load twice.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from tools.demo.evaluation.cast import COPIED_TEAM, season_name
from tools.demo.evaluation.committee import form_committee, run_assignment, submit_reviews
from tools.demo.evaluation.outcomes import (
    finalise_grades,
    grant_prizes,
    hold_defenses,
    source_arrives_and_copy_decided,
)
from tools.demo.evaluation.staff import assess_staff
from tools.demo.evaluation.submissions import (
    evaluation_root,
    expect_reports,
    open_season,
    submit_first_versions,
)
from tools.demo.scheduling.calls import Token


async def seed_evaluation(client: httpx.AsyncClient, urls: dict[str, str], token: Token) -> str:
    now = datetime.now(UTC)
    root = evaluation_root(urls)
    season = season_name(now)
    opened = await open_season(client, root, token, season, now)
    reports = await expect_reports(client, root, token, season)
    # The team whose draft was copied submits after the rest have been graded.
    later = frozenset({COPIED_TEAM})
    submitted = await submit_first_versions(client, root, token, reports, later=later)
    committee = await form_committee(client, root, token, season)
    assignment = await run_assignment(client, root, token, season)
    keys = {str(r["report_id"]): key for key, r in reports.items()}
    reviewed = await submit_reviews(client, root, token, season, keys)
    await finalise_grades(client, root, token, season, reports, waiting=later)
    copy = await source_arrives_and_copy_decided(client, root, token, reports)
    # Its reviewers were assigned on arrival: they score it, the teacher grades it.
    reviewed += await submit_reviews(client, root, token, season, keys)
    grades = await finalise_grades(client, root, token, season, reports)
    prizes = await grant_prizes(client, root, token, season)
    defenses = await hold_defenses(client, root, token, season, reports, now)
    staff = await assess_staff(client, root, token, now)
    return (
        f"evaluation: season {season} {opened}, {len(reports)} reports ({submitted} submitted "
        f"now); {committee}; {assignment}; {reviewed} reviews submitted now; {grades}; "
        f"{copy}; {prizes}; {defenses}; {staff}"
    )
