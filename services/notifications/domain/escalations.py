"""Escalation chains (上报) as data: who is told at each step, how long each step waits
for an acknowledgement, and the signed acknowledgement links put in the messages.

- incident (突发事件): the teacher in charge of the outing, then the grade leader, then
  the moral-education office (德育处); each step waits for an acknowledgement, and any
  acknowledgement (link or API) by someone the chain told closes the chain.
- dropout (辍学): the return-to-school notice (返校通知书) goes to the guardian at once;
  if the pupil has not returned by the deadline (`return_by`) the township contact of
  the county is told. The guardian's acknowledgement records that the notice arrived
  but does not close the case (only the pupil's return does); the township contact's
  acknowledgement closes it. The pupil's return (PupilReturnedToSchool) resolves it at
  any step.
A step nobody can be found for is passed over at once. After the last step's wait the
chain closes as exhausted. A college may set its own waits per chain.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid5

CHAIN_NAMESPACE = UUID("0f3c1d9e-7a24-4f51-8c2b-9e5d4a3b2c11")


class ChainName(StrEnum):
    INCIDENT = "incident"
    DROPOUT = "dropout"


class ChainStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    EXHAUSTED = "exhausted"


@dataclass(frozen=True)
class Step:
    role: str  # 'teacher', or a directory role (grade_leader, guardian, ...)
    kind: str  # the notification kind (domain/kinds.py) the step sends
    wait: timedelta  # how long it waits for an acknowledgement (default)
    until_deadline: bool = False  # waits until the case's deadline instead
    acknowledgement_closes: bool = True


@dataclass(frozen=True)
class ChainDefinition:
    name: ChainName
    steps: tuple[Step, ...]


CHAINS: dict[ChainName, ChainDefinition] = {
    ChainName.INCIDENT: ChainDefinition(
        ChainName.INCIDENT,
        (
            Step("teacher", "incident_alert", timedelta(minutes=10)),
            Step("grade_leader", "incident_alert", timedelta(minutes=15)),
            Step("moral_education_office", "incident_alert", timedelta(minutes=30)),
        ),
    ),
    ChainName.DROPOUT: ChainDefinition(
        ChainName.DROPOUT,
        (
            Step(
                "guardian",
                "return_to_school_notice",
                timedelta(0),
                until_deadline=True,
                acknowledgement_closes=False,
            ),
            Step("township_contact", "dropout_escalated", timedelta(days=7)),
        ),
    ),
}

# Longest and shortest wait a college may set for a step.
MIN_WAIT = timedelta(seconds=1)
MAX_WAIT = timedelta(days=60)


def chain_id(*, college: str, chain: ChainName, subject_id: str) -> UUID:
    """One chain per case: an incident, or a pupil's dropout case."""
    return uuid5(CHAIN_NAMESPACE, f"{college}|{chain}|{subject_id}")


def step_event_id(chain: UUID, step: int) -> UUID:
    """The event id a step's messages are made from: each step sends once."""
    return uuid5(chain, f"step-{step}")


def default_waits(chain: ChainName) -> tuple[int, ...]:
    return tuple(int(s.wait.total_seconds()) for s in CHAINS[chain].steps)


def waits_problem(chain: ChainName, waits_s: Sequence[int]) -> str | None:
    """Why a college's waits cannot be used for the chain, or None."""
    steps = CHAINS[chain].steps
    if len(waits_s) != len(steps):
        return f"the {chain} chain has {len(steps)} steps: give one wait per step"
    for index, (step, wait) in enumerate(zip(steps, waits_s, strict=True)):
        if step.until_deadline:
            continue  # waits until the case's deadline; its number is ignored
        if not MIN_WAIT.total_seconds() <= wait <= MAX_WAIT.total_seconds():
            return (
                f"step {index} ({step.role}) must wait between {int(MIN_WAIT.total_seconds())}"
                f" and {int(MAX_WAIT.total_seconds())} seconds"
            )
    return None


def step_ends_at(
    chain: ChainName,
    step: int,
    *,
    reached_at: datetime,
    waits_s: Sequence[int],
    deadline: datetime | None,
) -> datetime:
    """When the step reached at `reached_at` stops waiting (the next step, or exhaustion)."""
    definition = CHAINS[chain].steps[step]
    if definition.until_deadline and deadline is not None:
        return max(deadline, reached_at)
    return reached_at + timedelta(seconds=waits_s[step])


def is_last(chain: ChainName, step: int) -> bool:
    return step >= len(CHAINS[chain].steps) - 1


def scope_for(role: str, facts: Mapping[str, object]) -> str | None:
    """The directory scope a role is looked up with, from the chain's facts."""
    scopes = {
        "guardian": facts.get("beneficiary_id"),
        "township_contact": facts.get("county"),
        "grade_leader": facts.get("school_id"),
    }
    value = scopes.get(role)
    return None if value in (None, "") else str(value)


def closes_on_acknowledgement(chain: ChainName, step: int) -> bool:
    """Whether an acknowledgement by someone told at `step` closes the chain."""
    return CHAINS[chain].steps[step].acknowledgement_closes


# --- signed acknowledgement links ---------------------------------------------------

LINK_VALIDITY = timedelta(days=7)


class BadToken(ValueError):
    """A link that is malformed, forged or expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AckClaim:
    college: str
    chain_id: UUID
    person_id: str
    step: int
    expires_at: datetime


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, body: str) -> str:
    return _b64(hmac.new(secret, body.encode(), hashlib.sha256).digest())


def sign_ack(claim: AckClaim, *, secret: bytes) -> str:
    """A token for the link: the claim (base64url JSON) and its HMAC-SHA256."""
    body = _b64(
        json.dumps(
            {
                "c": claim.college,
                "ch": str(claim.chain_id),
                "p": claim.person_id,
                "s": claim.step,
                "e": int(claim.expires_at.timestamp()),
            },
            separators=(",", ":"),
        ).encode()
    )
    return f"{body}.{_mac(secret, body)}"


def verify_ack(token: str, *, secret: bytes, now: datetime) -> AckClaim:
    """The claim of a genuine, unexpired token; BadToken otherwise."""
    body, dot, mac = token.partition(".")
    if not dot or not body or not mac:
        raise BadToken("malformed")
    if not hmac.compare_digest(mac, _mac(secret, body)):
        raise BadToken("forged")
    try:
        data = json.loads(_unb64(body))
        claim = AckClaim(
            college=str(data["c"]),
            chain_id=UUID(str(data["ch"])),
            person_id=str(data["p"]),
            step=int(data["s"]),
            expires_at=datetime.fromtimestamp(int(data["e"]), UTC),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise BadToken("malformed") from error
    if claim.expires_at <= now:
        raise BadToken("expired")
    return claim


def link_expiry(reached_at: datetime, step_ends: datetime) -> datetime:
    """A link stays good a while after its step stops waiting (late acknowledgements
    still close the chain, or record receipt)."""
    return max(reached_at, step_ends) + LINK_VALIDITY
