"""Project teams: a college never sees another's, and each person sees what is theirs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.recruitment.test_teams import TEACHER, Teams, bearer, students, team_form

pytestmark = pytest.mark.e2e


async def test_a_college_never_sees_or_touches_another_colleges_teams(
    services: dict[str, str],
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        api = Teams(client, services["recruitment"])
        season = await api.open_season()
        members = students("cs-f", 3)
        team_id = (await api.register(season, members[0], team_form(members))).json()["id"]
        root = api.root
        for role in ("student", "officer", "reviewer", "college_admin", "teacher"):
            outsider = bearer(members[0] if role == "student" else f"m-{role}", role, "math")
            for method, url, body in (
                ("GET", f"{root}/project-seasons", None),
                ("GET", f"{root}/project-seasons/{season}", None),
                ("GET", f"{root}/project-seasons/{season}/teams", None),
                ("GET", f"{root}/project-teams/{team_id}", None),
                ("POST", f"{root}/project-seasons/{season}/teams", team_form(students("m", 3))),
                ("POST", f"{root}/project-teams/{team_id}/approval", {"project_class": "II"}),
                ("POST", f"{root}/project-teams/{team_id}/rejection", {"reason": "x"}),
                (
                    "POST",
                    f"{root}/project-seasons",
                    {
                        "season": "m1",
                        "title": "x",
                        "opens_on": "2026-05-08",
                        "closes_on": "2026-05-09",
                    },
                ),
            ):
                response = await client.request(method, url, json=body, headers=outsider)
                assert response.status_code == 403, (role, method, url, response.text)

        anonymous = await client.get(f"{root}/project-seasons/{season}/teams")
        assert anonymous.status_code == 401
        student = bearer(members[1], "student", "cs")
        assert (await api.decide(team_id, "approval", {"project_class": "II"})).status_code == 200
        for method, url, body in (
            ("POST", f"{root}/project-teams/{team_id}/rejection", {"reason": "x"}),
            (
                "POST",
                f"{root}/project-seasons",
                {"season": "s1", "title": "x", "opens_on": "2026-05-08", "closes_on": "2026-05-09"},
            ),
        ):
            assert (
                await client.request(method, url, json=body, headers=student)
            ).status_code == 403
        officer_registers = await client.post(
            f"{root}/project-seasons/{season}/teams",
            json=team_form(["cs-officer", *students("cs-f2", 2)]),
            headers=bearer("cs-officer", "officer", "cs"),
        )
        assert officer_registers.status_code == 403
        university = bearer("u-admin", "university_admin", None)
        assert (
            await client.get(f"{root}/project-teams/{team_id}", headers=university)
        ).status_code == 200


async def test_students_see_their_own_team_advisors_theirs_and_the_committee_all(
    services: dict[str, str],
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        api = Teams(client, services["recruitment"])
        season = await api.open_season()
        mine, theirs = students("cs-g", 3), students("cs-h", 3)
        my_team = (await api.register(season, mine[0], team_form(mine))).json()
        their_team = (
            await api.register(season, theirs[0], team_form(theirs, advisors=["cs-t-wang"]))
        ).json()
        await api.decide(their_team["id"], "approval", {"project_class": "II"})
        url = f"{api.root}/project-seasons/{season}/teams"

        async def ids(headers: dict[str, str], **params: Any) -> list[str]:
            response = await client.get(url, params=params, headers=headers)
            assert response.status_code == 200, response.text
            return [t["id"] for t in response.json()["items"]]

        assert await ids(bearer(mine[2], "student", "cs")) == [my_team["id"]]
        assert await ids(bearer("cs-outsider", "student", "cs")) == []
        assert await ids(bearer("cs-t-wang", "teacher", "cs")) == [their_team["id"]]
        reviewer = bearer("cs-reviewer", "reviewer", "cs")
        assert await ids(reviewer) == [my_team["id"], their_team["id"]]
        assert await ids(reviewer, status="approved") == [their_team["id"]]
        assert await ids(reviewer, status="pending") == [my_team["id"]]
        assert await ids(reviewer, limit=1, offset=1) == [their_team["id"]]

        for params in ({"limit": 201}, {"limit": 0}, {"offset": -1}, {"status": "finished"}):
            bad = await client.get(url, params=params, headers=reviewer)
            assert bad.status_code == 422, params

        other_student = bearer(theirs[0], "student", "cs")
        hidden = await client.get(
            f"{api.root}/project-teams/{my_team['id']}", headers=other_student
        )
        assert hidden.status_code == 404
        own = await client.get(
            f"{api.root}/project-teams/{my_team['id']}", headers=bearer(mine[1], "student", "cs")
        )
        assert own.status_code == 200 and own.json()["member_ids"] == mine
        advised = await client.get(
            f"{api.root}/project-teams/{my_team['id']}", headers=bearer(TEACHER, "teacher", "cs")
        )
        assert advised.status_code == 200
        missing_season = await client.get(
            f"{api.root}/project-seasons/nope/teams", headers=reviewer
        )
        assert missing_season.status_code == 404
