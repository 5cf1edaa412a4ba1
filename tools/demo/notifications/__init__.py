"""Demo: what the notifications service tells the demo's people, through the HTTP APIs only.

Loaded last (after evaluation): the computer college's contact directory (the guardian
of a child of the register, the township contact of her county, a grade leader, the
moral-education office); 陈静 gives her email address and wants meetings and reminders
by email, so the stack's SMTP sink receives mail; the office calls a meeting at short
notice, whose reminder fires at once (every lead has passed — the rota's own T-24 h /
T-1 h shift reminders are scheduled and listed by GET /me/reminders); an incident on an
outing is reported through scheduling's API and the teacher acknowledges it by the link
in his alert, which stops the chain; the child stops coming to school (recruitment's
API) and her guardian gets the return-to-school notice (返校通知书). Then every demo
person's inbox is read through the API until it holds what concerns them. Safe to load
twice: the directory is replaced by the same, a meeting still ahead, an acknowledged
chain and an open dropout case are kept.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import httpx

from tools.demo.notifications import cast
from tools.demo.notifications.steps import (
    choose_email,
    dropout_child,
    dropout_reported,
    fill_directory,
    inbox,
    incident_acknowledged,
    notifications,
    now_utc,
    short_notice_meeting,
)
from tools.demo.scheduling.calls import Token, checked

WAIT_S = 300.0  # the routing consumers work through the demo's ~1,500 timetable events

# Who must hear of what (the list: admission, pairing, rota, reminder, sanction
# warning, grade, credit) — person -> (role in the token, kinds).
EXPECTED: dict[str, tuple[str, tuple[str, ...]]] = {
    "cs-2024001": (
        "student",
        ("applicant_admitted", "pairing_created", "grade_finalised", "credits_awarded"),
    ),
    "cs-2024005": ("student", ("shift_assigned", "meeting_scheduled", "meeting_reminder")),
    "cs-2025003": ("student", ("attendance_sanction",)),
    "fl-2024101": ("student", ("applicant_admitted", "pairing_created")),
    cast.TEACHER: ("teacher", ("incident_alert",)),
    cast.GUARDIAN: ("student", ("return_to_school_notice",)),
}


def college_of(person: str) -> str:
    return person.split("-", 1)[0]


async def wait_inboxes(
    client: httpx.AsyncClient, urls: dict[str, str], token: Token, wait_s: float = WAIT_S
) -> dict[str, list[dict[str, Any]]]:
    """Every EXPECTED person's inbox, read until it holds each expected kind; RuntimeError
    naming who still misses what after `wait_s`."""
    deadline = time.monotonic() + wait_s
    while True:
        boxes = {
            person: await inbox(client, urls, token(person, role, college_of(person)))
            for person, (role, _) in EXPECTED.items()
        }
        missing = {
            person: sorted(set(kinds) - {n["kind"] for n in boxes[person]})
            for person, (_, kinds) in EXPECTED.items()
        }
        missing = {person: kinds for person, kinds in missing.items() if kinds}
        if not missing:
            return boxes
        if time.monotonic() >= deadline:
            raise RuntimeError(f"after {wait_s:.0f}s these inboxes still miss: {missing}")
        await asyncio.sleep(2.0)


async def email_sent(
    client: httpx.AsyncClient, urls: dict[str, str], token: Token, wait_s: float = 60.0
) -> int:
    """How many of 陈静's messages went out by email (a delivery sent or delivered), once
    her meeting reminder did (the meeting's notice is routed at once, its reminder fired
    by a timer a moment later: waiting for any email could stop before the reminder's)."""
    reader = token(cast.MAIL_READER, "student", cast.COLLEGE)
    deadline = time.monotonic() + wait_s
    while True:
        messages = checked(
            await client.get(
                notifications(urls, "/me/messages"), params={"limit": 100}, headers=reader
            ),
            200,
        ).json()["items"]
        mailed = [
            message["kind"]
            for message in messages
            for delivery in message.get("deliveries", [])
            if delivery["channel"] == "email" and delivery["status"] in ("sent", "delivered")
        ]
        if "meeting_reminder" in mailed or time.monotonic() >= deadline:
            return len(mailed)
        await asyncio.sleep(1.0)


async def seed_notifications(client: httpx.AsyncClient, urls: dict[str, str], token: Token) -> str:
    now = now_utc()
    child = await dropout_child(client, urls, token)
    entries = await fill_directory(client, urls, token, child)
    await choose_email(client, urls, token)
    meeting = await short_notice_meeting(client, urls, token, now)
    chain = await incident_acknowledged(client, urls, token, now)
    await dropout_reported(client, urls, token, child, now)
    boxes = await wait_inboxes(client, urls, token)
    emails = await email_sent(client, urls, token)
    reminders = checked(
        await client.get(
            notifications(urls, "/me/reminders"),
            params={"limit": 200},
            headers=token(cast.MAIL_READER, "student", cast.COLLEGE),
        ),
        200,
    ).json()["items"]
    counts = "; ".join(
        f"{person} {len(items)} ("
        + ", ".join(
            f"{kind} {n}"
            for kind, n in sorted(Counter(n["kind"] for n in items).items())
            if kind in EXPECTED[person][1]
        )
        + ")"
        for person, items in boxes.items()
    )
    return (
        f"notifications: {entries} directory entries; meeting at "
        f"{meeting['starts_at']} reminded at once; incident chain {chain['status']} by "
        f"{chain['closed_by']}; {emails} email(s) to {cast.MAIL_READER_NAME}; "
        f"{len(reminders)} upcoming reminders of hers; inboxes: {counts}"
    )


__all__ = ["EXPECTED", "seed_notifications", "wait_inboxes"]
