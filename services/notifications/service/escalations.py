"""Escalation chain use cases: a chain started by its case (an incident reported, a pupil
dropped out), each step's people told with a signed acknowledgement link, the next step
reached by a durable timer (kind `notifications.escalation_step`, keyed by the chain id)
when nobody acknowledged, and the chain closed by an acknowledgement, its case's
resolution, or its last step passing unanswered. Each runs in the transaction it is
handed; a chain's row is locked while it changes, so a timer firing and an
acknowledgement arriving together are serialised."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.notifications.domain.escalations import (
    CHAINS,
    AckClaim,
    ChainName,
    ChainStatus,
    chain_id,
    closes_on_acknowledgement,
    default_waits,
    is_last,
    link_expiry,
    scope_for,
    sign_ack,
    step_ends_at,
    step_event_id,
    verify_ack,
    waits_problem,
)
from services.notifications.domain.kinds import kind_named
from services.notifications.repository import escalations as repository
from services.notifications.repository.escalations import Acknowledgement, Chain, StepReached
from services.notifications.service import SOURCE
from services.notifications.service.directory import directory_people
from services.notifications.service.messages import notify
from services.notifications.settings import NotificationsSettings, settings_for_use_cases
from shared.events.notifications import EscalationClosed, EscalationEscalated, EscalationStarted
from shared.messaging.outbox import append_to_outbox
from shared.paging import Paging
from shared.rules import NotFound, RuleBroken
from shared.timers import DueAction, cancel, schedule

ESCALATION_TIMER = "notifications.escalation_step"


@dataclass(frozen=True)
class Links:
    """Where acknowledgement links point and what signs them."""

    secret: bytes
    base_url: str

    @classmethod
    def of(cls, settings: NotificationsSettings) -> Links:
        return cls(settings.link_secret.get_secret_value().encode(), settings.public_base_url)

    def url(self, token: str) -> str:
        return f"{self.base_url.rstrip('/')}/api/notifications/ack/{token}"


def _links(links: Links | None) -> Links:
    return links if links is not None else Links.of(settings_for_use_cases())


def _timer_key(chain: UUID, step: int) -> str:
    return f"{chain}/{step}"


def _deadline(chain: Chain) -> datetime | None:
    value = chain.facts.get("return_by")
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


async def start_chain(
    conn: asyncpg.Connection,
    *,
    college: str,
    chain: ChainName,
    subject_id: str,
    title: str,
    facts: Mapping[str, Any],
    now: datetime,
    links: Links | None = None,
) -> UUID:
    """Start the case's chain (once: a case seen again finds its chain) at step 0."""
    found_id = chain_id(college=college, chain=chain, subject_id=subject_id)
    waits = await repository.policy_waits(conn, college=college, chain=chain) or list(
        default_waits(chain)
    )
    created = await repository.insert_chain(
        conn,
        chain_id=found_id,
        college=college,
        chain=chain,
        subject_id=subject_id,
        title=title,
        facts=facts,
        waits_s=waits,
        now=now,
    )
    if not created:
        return found_id
    started = EscalationStarted(
        college=college,
        chain_id=found_id,
        case=chain.value,
        subject_id=subject_id[:64],
        title=title[:200],
        started_at=now,
    )
    await append_to_outbox(conn, [started], source=SOURCE, now=now)
    stored = await repository.chain(conn, chain_id=found_id, for_update=True)
    assert stored is not None
    await _reach(conn, stored, 0, now=now, links=_links(links))
    return found_id


async def _recipients(conn: asyncpg.Connection, chain: Chain, role: str) -> list[str]:
    if role == "teacher":
        teacher = chain.facts.get("teacher_id")
        return [str(teacher)] if teacher else []
    return await directory_people(
        conn, college=chain.college, role=role, scope=scope_for(role, chain.facts)
    )


async def _reach(
    conn: asyncpg.Connection, chain: Chain, step: int, *, now: datetime, links: Links
) -> None:
    """Tell step `step`'s people (a step with nobody is passed over) and wait for it."""
    name = ChainName(chain.chain)
    steps = CHAINS[name].steps
    while step < len(steps):
        definition = steps[step]
        people = await _recipients(conn, chain, definition.role)
        if people:
            break
        step += 1
    else:
        await _close(conn, chain, ChainStatus.EXHAUSTED, by=None, step=len(steps) - 1, now=now)
        return
    ends = step_ends_at(
        name, step, reached_at=now, waits_s=chain.step_waits_s, deadline=_deadline(chain)
    )
    await repository.record_step(
        conn,
        chain_id=chain.chain_id,
        step=step,
        role=definition.role,
        recipient_ids=people,
        now=now,
    )
    await repository.advance(conn, chain_id=chain.chain_id, step=step, next_step_at=ends)
    escalated = EscalationEscalated(
        college=chain.college,
        chain_id=chain.chain_id,
        case=name.value,
        step=step,
        role=definition.role,
        recipient_ids=people[:100],
        escalated_at=now,
    )
    await append_to_outbox(conn, [escalated], source=SOURCE, now=now)
    declared = kind_named(definition.kind).fields
    for person in people:
        token = sign_ack(
            AckClaim(chain.college, chain.chain_id, person, step, link_expiry(now, ends)),
            secret=links.secret,
        )
        given = {**chain.facts, "step": step, "role": definition.role, "ack_url": links.url(token)}
        await notify(
            conn,
            college=chain.college,
            event_id=step_event_id(chain.chain_id, step),
            kind=definition.kind,
            recipient_ids=[person],
            fields={name: given.get(name) for name in declared},
            subject_id=str(chain.chain_id),
            now=now,
        )
    # One timer per step (the handler firing a step's timer schedules the next one).
    await schedule(
        conn,
        kind=ESCALATION_TIMER,
        key=_timer_key(chain.chain_id, step),
        due_at=ends,
        payload={"college": chain.college, "chain_id": str(chain.chain_id), "step": step},
    )


async def _close(
    conn: asyncpg.Connection,
    chain: Chain,
    status: ChainStatus,
    *,
    by: str | None,
    step: int,
    now: datetime,
) -> None:
    await repository.close(conn, chain_id=chain.chain_id, status=status, by=by, now=now)
    await cancel(conn, kind=ESCALATION_TIMER, key=_timer_key(chain.chain_id, chain.step))
    closed = EscalationClosed(
        college=chain.college,
        chain_id=chain.chain_id,
        case=ChainName(chain.chain).value,
        how=status.value,
        by=by,
        step=step,
        closed_at=now,
    )
    await append_to_outbox(conn, [closed], source=SOURCE, now=now)


async def step_timer(conn: asyncpg.Connection, action: DueAction, now: datetime) -> None:
    """A step waited in vain: the next step, or the chain exhausted after the last."""
    await next_step(
        conn,
        chain_id=UUID(action.key.split("/")[0]),  # key: "<chain id>/<step>"
        expected_step=int(action.payload["step"]),
        now=now,
    )


async def next_step(
    conn: asyncpg.Connection,
    *,
    chain_id: UUID,
    expected_step: int,
    now: datetime,
    links: Links | None = None,
) -> None:
    chain = await repository.chain(conn, chain_id=chain_id, for_update=True)
    if chain is None or chain.status != ChainStatus.OPEN or chain.step != expected_step:
        return
    if is_last(ChainName(chain.chain), chain.step):
        await _close(conn, chain, ChainStatus.EXHAUSTED, by=None, step=chain.step, now=now)
        return
    await _reach(conn, chain, chain.step + 1, now=now, links=_links(links))


async def resolve_case(
    conn: asyncpg.Connection,
    *,
    college: str,
    chain: ChainName,
    subject_id: str,
    by: str | None,
    now: datetime,
) -> bool:
    """The case is resolved (the pupil returned): its open chain closes. False when there
    was no open chain."""
    found = await repository.chain_of_subject(
        conn, college=college, chain=chain, subject_id=subject_id
    )
    if found is None or found.status != ChainStatus.OPEN:
        return False
    await _close(conn, found, ChainStatus.RESOLVED, by=by, step=found.step, now=now)
    return True


@dataclass(frozen=True)
class ChainView:
    chain: Chain
    steps: list[StepReached]
    acknowledgements: list[Acknowledgement]


async def view_chain(conn: asyncpg.Connection, *, college: str, chain_id: UUID) -> ChainView:
    found = await repository.chain(conn, chain_id=chain_id)
    if found is None or found.college != college:
        raise NotFound("escalation chain", chain_id)
    return ChainView(
        found,
        await repository.steps(conn, chain_id=chain_id),
        await repository.acknowledgements(conn, chain_id=chain_id),
    )


async def list_chains(
    conn: asyncpg.Connection, *, college: str, status: ChainStatus | None, paging: Paging
) -> list[ChainView]:
    chains = await repository.chains_of_college(
        conn, college=college, status=status, limit=paging.limit, offset=paging.offset
    )
    return [
        ChainView(
            c,
            await repository.steps(conn, chain_id=c.chain_id),
            await repository.acknowledgements(conn, chain_id=c.chain_id),
        )
        for c in chains
    ]


async def acknowledge(
    conn: asyncpg.Connection,
    *,
    college: str,
    chain_id: UUID,
    person_id: str,
    via: str,
    now: datetime,
) -> ChainView:
    """The person acknowledges: recorded once (again: nothing changes); the chain closes
    when their step's acknowledgement closes it and it is still open. Only someone the
    chain told may acknowledge it (403 otherwise)."""
    found = await repository.chain(conn, chain_id=chain_id, for_update=True)
    if found is None or found.college != college:
        raise NotFound("escalation chain", chain_id)
    told = [
        s for s in await repository.steps(conn, chain_id=chain_id) if person_id in s.recipient_ids
    ]
    if not told:
        raise RuleBroken(
            "on_the_chain",
            field="chain_id",
            message="only someone this chain told may acknowledge it",
        )
    step = max(s.step for s in told)
    recorded = await repository.record_acknowledgement(
        conn, chain_id=chain_id, person_id=person_id, step=step, via=via, now=now
    )
    if (
        recorded
        and found.status == ChainStatus.OPEN
        and closes_on_acknowledgement(ChainName(found.chain), step)
    ):
        await _close(conn, found, ChainStatus.ACKNOWLEDGED, by=person_id, step=found.step, now=now)
    return await view_chain(conn, college=college, chain_id=chain_id)


async def acknowledge_by_link(
    conn: asyncpg.Connection, *, token: str, now: datetime, links: Links | None = None
) -> ChainView:
    """A signed link's acknowledgement (BadToken when forged, malformed or expired)."""
    claim = verify_ack(token, secret=_links(links).secret, now=now)
    return await acknowledge(
        conn,
        college=claim.college,
        chain_id=claim.chain_id,
        person_id=claim.person_id,
        via="link",
        now=now,
    )


def read_link(token: str, *, now: datetime, links: Links | None = None) -> AckClaim:
    return verify_ack(token, secret=_links(links).secret, now=now)


async def set_policy(
    conn: asyncpg.Connection,
    *,
    college: str,
    chain: ChainName,
    waits_s: Sequence[int],
    updated_by: str,
    now: datetime,
) -> list[int]:
    """A college's own waits for a chain's steps (chains started afterwards use them)."""
    problem = waits_problem(chain, waits_s)
    if problem is not None:
        raise RuleBroken("step_waits", field="step_waits_s", message=problem, invalid=True)
    await repository.put_policy(
        conn, college=college, chain=chain, waits_s=waits_s, updated_by=updated_by, now=now
    )
    return list(waits_s)


async def policy(conn: asyncpg.Connection, *, college: str, chain: ChainName) -> list[int]:
    return await repository.policy_waits(conn, college=college, chain=chain) or list(
        default_waits(chain)
    )


ESCALATION_DUE_ACTIONS = {ESCALATION_TIMER: step_timer}
