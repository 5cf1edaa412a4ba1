"""The notifications demo's steps, each through a service's public API and safe to run
again: the directory, a person's email and choices, a short-notice meeting, an incident
acknowledged by the link in its alert, a dropout whose notice reaches the guardian."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tools.demo.notifications import cast
from tools.demo.scheduling.calls import Token, checked
from tools.demo.scheduling.meetings import term_of

ACK_LINK = re.compile(r"(https?://[^\s\"'<>]+)?/api/notifications/ack/([A-Za-z0-9_\-.]+)")


def notifications(urls: dict[str, str], path: str) -> str:
    return f"{urls['notifications']}/api/notifications{path}"


async def dropout_child(client: httpx.AsyncClient, urls: dict[str, str], token: Token) -> str:
    """The register id of the demo's child at risk of dropping out (grade 3, 五龙小学)."""
    found = checked(
        await client.get(
            f"{urls['recruitment']}/api/recruitment/colleges/{cast.COLLEGE}/beneficiaries",
            params={"school_id": cast.DROPOUT_SCHOOL, "limit": 200},
            headers=token(cast.OFFICER, "officer", cast.COLLEGE),
        ),
        200,
    ).json()["items"]
    children = [child for child in found if child.get("grade") == cast.DROPOUT_GRADE]
    if not children:
        raise RuntimeError(f"no grade-{cast.DROPOUT_GRADE} child at {cast.DROPOUT_SCHOOL}")
    return str(children[0]["id"])


async def fill_directory(
    client: httpx.AsyncClient, urls: dict[str, str], token: Token, beneficiary_id: str
) -> int:
    admin = token(cast.DIRECTORY_ADMIN, "college_admin", cast.COLLEGE)
    for entry in cast.directory(beneficiary_id):
        checked(
            await client.put(
                notifications(
                    urls, f"/colleges/{cast.COLLEGE}/directory/{entry.role}/{entry.person_id}"
                ),
                json={
                    "name": entry.name,
                    "scopes": list(entry.scopes),
                    "contact_points": dict(entry.contact_points),
                },
                headers=admin,
            ),
            200,
        )
    return len(cast.directory(beneficiary_id))


async def choose_email(client: httpx.AsyncClient, urls: dict[str, str], token: Token) -> None:
    """陈静 gives her address and wants meetings and reminders by email, then in-app, the
    rest in-app only (with an address and no choice, everything would be emailed too);
    the teacher gives his (a safety alert goes on every channel a person has)."""
    reader = token(cast.MAIL_READER, "student", cast.COLLEGE)
    # Her choice first, then her address: nothing is emailed before she chose.
    by_email = {"channels": ["email", "inapp"], "enabled": True, "quiet_hours": "hold"}
    in_app = {"channels": ["inapp"], "enabled": True, "quiet_hours": "hold"}
    checked(
        await client.put(
            notifications(urls, "/me/preferences"),
            json={
                "categories": [
                    {"category": category, **(by_email if mail else in_app), "digest": False}
                    for category, mail in cast.MAIL_READER_CHOICES
                ]
            },
            headers=reader,
        ),
        200,
    )
    checked(
        await client.put(
            notifications(urls, "/me/contact-points/email"),
            json={"address": cast.MAIL_ADDRESS},
            headers=reader,
        ),
        200,
    )
    checked(
        await client.put(
            notifications(urls, "/me/contact-points/email"),
            json={"address": cast.TEACHER_MAIL},
            headers=token(cast.TEACHER, "teacher", cast.COLLEGE),
        ),
        200,
    )


async def short_notice_meeting(
    client: httpx.AsyncClient, urls: dict[str, str], token: Token, now: datetime
) -> dict[str, Any]:
    """The office's coordination meeting, 40 minutes from now (one that is still ahead is
    kept: running the demo again schedules nothing)."""
    root = f"{urls['scheduling']}/api/scheduling/colleges/{cast.COLLEGE}"
    officer = token(cast.OFFICER, "officer", cast.COLLEGE)
    listed = checked(
        await client.get(
            f"{root}/meetings",
            params={"organisation_kind": "department", "organisation_id": "office", "limit": 200},
            headers=officer,
        ),
        200,
    ).json()["items"]
    for meeting in listed:
        ahead = datetime.fromisoformat(meeting["starts_at"]) > now
        if meeting["title"] == cast.MEETING_TITLE and meeting["status"] == "scheduled" and ahead:
            return dict(meeting)
    starts = (now + timedelta(minutes=cast.MEETING_IN_MIN)).replace(microsecond=0)
    created = checked(
        await client.post(
            f"{root}/meetings",
            json={
                "organisation_kind": "department",
                "organisation_id": "office",
                "title": cast.MEETING_TITLE,
                "agenda": cast.MEETING_AGENDA,
                "place": cast.MEETING_PLACE,
                "term": term_of(now.date()),
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(minutes=cast.MEETING_LENGTH_MIN)).isoformat(),
            },
            headers=officer,
        ),
        201,
    )
    return dict(created.json())


async def chains(
    client: httpx.AsyncClient, urls: dict[str, str], token: Token
) -> list[dict[str, Any]]:
    found = checked(
        await client.get(
            notifications(urls, f"/colleges/{cast.COLLEGE}/escalations"),
            params={"limit": 200},
            headers=token(cast.OFFICER, "officer", cast.COLLEGE),
        ),
        200,
    ).json()["items"]
    return list(found)


async def inbox(
    client: httpx.AsyncClient, urls: dict[str, str], headers: dict[str, str]
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = checked(
            await client.get(
                notifications(urls, "/me"),
                params={"limit": 100, "offset": len(items)},
                headers=headers,
            ),
            200,
        ).json()["items"]
        items.extend(page)
        if len(page) < 100:
            return items


async def wait_notice(
    client: httpx.AsyncClient,
    urls: dict[str, str],
    headers: dict[str, str],
    kind: str,
    subject_id: str | None = None,
    wait_s: float = 60.0,
) -> dict[str, Any]:
    deadline = time.monotonic() + wait_s
    while True:
        for notice in await inbox(client, urls, headers):
            if notice["kind"] == kind and subject_id in (None, notice["subject_id"]):
                return notice
        if time.monotonic() >= deadline:
            raise RuntimeError(f"no {kind} notice arrived within {wait_s:.0f}s")
        await asyncio.sleep(0.5)


async def incident_acknowledged(
    client: httpx.AsyncClient, urls: dict[str, str], token: Token, now: datetime
) -> dict[str, Any]:
    """An incident on the outing, reported through scheduling's API; the teacher is told
    first and acknowledges by the link in the alert, which stops the chain. An
    acknowledged demo chain already there is kept."""
    for chain in await chains(client, urls, token):
        if chain["chain"] == "incident" and cast.INCIDENT_TITLE in chain["title"]:
            if chain["status"] == "acknowledged":
                return chain
    reported = checked(
        await client.post(
            f"{urls['scheduling']}/api/scheduling/colleges/{cast.COLLEGE}/incidents",
            json={
                "department_id": "volunteers",
                "title": cast.INCIDENT_TITLE,
                "summary": cast.INCIDENT_SUMMARY,
                "place": cast.INCIDENT_PLACE,
                "teacher_id": cast.TEACHER,
                "occurred_at": (now - timedelta(minutes=5)).isoformat(),
            },
            headers=token("cs-2024002", "student", cast.COLLEGE),
        ),
        201,
    ).json()
    teacher = token(cast.TEACHER, "teacher", cast.COLLEGE)
    alert = await wait_notice(client, urls, teacher, "incident_alert", subject_id=None, wait_s=60.0)
    link = ACK_LINK.search(alert["body"])
    if link is None:
        raise RuntimeError("the incident alert carries no acknowledgement link")
    acknowledged = checked(
        await client.post(notifications(urls, f"/ack/{link.group(2)}")), 200
    ).json()
    chain = dict(acknowledged["chain"])
    if chain["subject_id"] != str(reported["incident_id"]):
        raise RuntimeError("the link acknowledged another chain than the demo's incident")
    return chain


async def dropout_reported(
    client: httpx.AsyncClient,
    urls: dict[str, str],
    token: Token,
    beneficiary_id: str,
    now: datetime,
) -> str:
    """The child stops coming to school: the officer records it with a return deadline a
    week ahead through recruitment's API (a case still open is kept); the guardian's
    return-to-school notice follows."""
    base = (
        f"{urls['recruitment']}/api/recruitment/colleges/{cast.COLLEGE}"
        f"/beneficiaries/{beneficiary_id}"
    )
    officer = token(cast.OFFICER, "officer", cast.COLLEGE)
    cases = checked(await client.get(f"{base}/dropouts", headers=officer), 200).json()
    items = cases["items"] if isinstance(cases, dict) else cases
    for case in items:
        if case.get("status", "open") == "open":
            return str(case["case_id"])
    reported = checked(
        await client.post(
            f"{base}/dropout",
            json={
                "return_by": (now + timedelta(days=cast.RETURN_WITHIN_DAYS)).isoformat(),
                "note": cast.DROPOUT_NOTE,
            },
            headers=officer,
        ),
        201,
    ).json()
    return str(reported["case_id"])


def now_utc() -> datetime:
    return datetime.now(UTC)
