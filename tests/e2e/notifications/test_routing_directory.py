"""The contact directory through its API: a college admin puts guardians, school and
township contacts, grade leaders, the moral-education office and the committee chair
with their contact points; the lookups escalations use find them by scope; bad input is
refused naming the field and changes nothing; nobody else may read or write it."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from services.notifications.service.directory import directory_people
from tests.e2e.notifications.routing_support import admin, run_id
from tests.support.auth import bearer

pytestmark = pytest.mark.e2e

COLLEGE = "cs"


def _url(services: dict[str, str], path: str = "", college: str = COLLEGE) -> str:
    return f"{services['notifications']}/api/notifications/colleges/{college}/directory{path}"


async def test_admins_keep_the_directory_and_lookups_find_people_by_scope(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    run = run_id()
    guardian, school, county = f"g-{run}", f"school-{run}", f"岳西县-{run}"
    child, other_child = f"child-{run}", f"child2-{run}"
    async with httpx.AsyncClient(timeout=10) as client:
        put = await client.put(
            _url(services, f"/guardian/{guardian}"),
            json={
                "name": "王桂兰",
                "scopes": [child, other_child, child],
                "contact_points": {"sms": "13800138000", "email": f"{guardian}@example.cn"},
            },
            headers=admin(COLLEGE),
        )
        assert put.status_code == 200, put.text
        body = put.json()
        assert body["scopes"] == sorted([child, other_child])
        assert body["contact_points"]["email"] == f"{guardian}@example.cn"
        assert "sms" in body["contact_points"]
        for role, person, scopes in (
            ("school_contact", f"sc-{run}", [school]),
            ("township_contact", f"tc-{run}", [county]),
            ("grade_leader", f"gl-{run}", [school]),
            ("moral_education_office", f"mo-{run}", []),
        ):
            answer = await client.put(
                _url(services, f"/{role}/{person}"),
                json={"name": "联系人", "scopes": scopes},
                headers=admin(COLLEGE),
            )
            assert answer.status_code == 200, answer.text

        # The guardian now covers one child only: the other is no longer theirs.
        narrowed = await client.put(
            _url(services, f"/guardian/{guardian}"),
            json={"name": "王桂兰", "scopes": [child]},
            headers=admin(COLLEGE),
        )
        assert narrowed.status_code == 200 and narrowed.json()["scopes"] == [child]
        listed = await client.get(
            _url(services), params={"role": "guardian", "scope": child}, headers=admin(COLLEGE)
        )
        assert [e["person_id"] for e in listed.json()["items"]] == [guardian]
        one = await client.get(_url(services, f"/guardian/{guardian}"), headers=admin(COLLEGE))
        assert one.status_code == 200 and one.json()["name"] == "王桂兰"

    conn = await asyncpg.connect(
        service_dsns["notifications"], server_settings={"search_path": "notifications"}
    )
    try:

        async def people(role: str, scope: str | None) -> list[str]:
            return await directory_people(conn, college=COLLEGE, role=role, scope=scope)

        assert await people("guardian", child) == [guardian]
        assert await people("guardian", other_child) == []
        assert await people("school_contact", school) == [f"sc-{run}"]
        assert await people("township_contact", county) == [f"tc-{run}"]
        assert await people("grade_leader", school) == [f"gl-{run}"]
        assert f"mo-{run}" in await people("moral_education_office", None)
        name = await conn.fetchval(
            "SELECT display_name FROM people WHERE college = $1 AND person_id = $2",
            COLLEGE,
            guardian,
        )
        assert name == "王桂兰"
    finally:
        await conn.close()

    async with httpx.AsyncClient(timeout=10) as client:
        gone = await client.delete(_url(services, f"/guardian/{guardian}"), headers=admin(COLLEGE))
        assert gone.status_code == 204
        again = await client.get(_url(services, f"/guardian/{guardian}"), headers=admin(COLLEGE))
        assert again.status_code == 404
        twice = await client.delete(_url(services, f"/guardian/{guardian}"), headers=admin(COLLEGE))
        assert twice.status_code == 404


async def test_bad_entries_are_refused_naming_the_field_and_change_nothing(
    services: dict[str, str],
) -> None:
    run = run_id()
    person = f"p-{run}"
    refusals = [
        ("/guardian/" + person, {"name": "某", "scopes": []}, "scopes"),
        ("/committee_chair/" + person, {"name": "某", "scopes": ["x"]}, "scopes"),
        ("/headmaster/" + person, {"name": "某"}, "role"),
        ("/guardian/" + person, {"name": "", "scopes": ["c"]}, "name"),
        (
            "/guardian/" + person,
            {"name": "某", "scopes": ["c"], "contact_points": {"email": "not-an-address"}},
            "email",
        ),
        (
            "/guardian/" + person,
            {"name": "某", "scopes": ["c"], "contact_points": {"fax": "123"}},
            "fax",
        ),
        ("/guardian/bad%20id", {"name": "某", "scopes": ["c"]}, "person_id"),
    ]
    async with httpx.AsyncClient(timeout=10) as client:
        for path, body, field in refusals:
            answer = await client.put(_url(services, path), json=body, headers=admin(COLLEGE))
            assert 400 <= answer.status_code < 500 and answer.status_code != 404, (
                path,
                answer.text,
            )
            assert field in answer.text, (field, answer.text)
        listed = await client.get(
            _url(services), params={"role": "guardian"}, headers=admin(COLLEGE)
        )
        assert person not in {e["person_id"] for e in listed.json()["items"]}

        body = {"name": "某", "scopes": ["c"]}
        student = bearer(person, "student", COLLEGE)
        assert (
            await client.put(_url(services, f"/guardian/{person}"), json=body, headers=student)
        ).status_code == 403
        assert (await client.get(_url(services), headers=student)).status_code == 403
        other_college = admin("math")
        assert (
            await client.put(
                _url(services, f"/guardian/{person}"), json=body, headers=other_college
            )
        ).status_code == 403
        assert (await client.get(_url(services))).status_code == 401
