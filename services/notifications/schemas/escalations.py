"""Escalation chains as the API shows them, and a college's step waits."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.web.fields import StrictInt


class StepView(BaseModel):
    step: int
    role: str
    recipient_ids: list[str]
    reached_at: datetime


class AcknowledgementView(BaseModel):
    person_id: str
    step: int
    via: Literal["link", "api"]
    acknowledged_at: datetime


class ChainView(BaseModel):
    chain_id: UUID
    college: str
    chain: Literal["incident", "dropout"]
    subject_id: str
    title: str
    status: Literal["open", "acknowledged", "resolved", "exhausted"]
    step: int  # the step reached
    step_waits_s: list[int]
    facts: dict[str, Any]
    started_at: datetime
    next_step_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    steps: list[StepView]
    acknowledgements: list[AcknowledgementView]


class ChainPage(BaseModel):
    items: list[ChainView]
    limit: int
    offset: int


class PolicyBody(BaseModel):
    """One wait per step of the chain, in seconds (a step that waits until the case's
    deadline — the dropout's guardian step — takes any number, ignored)."""

    model_config = ConfigDict(extra="forbid")

    step_waits_s: list[StrictInt] = Field(min_length=1, max_length=10)


class PolicyView(BaseModel):
    chain: Literal["incident", "dropout"]
    step_waits_s: list[int]


class AckLinkView(BaseModel):
    """What an acknowledgement link is about (GET) or did (POST)."""

    chain_id: UUID
    person_id: str
    step: int
    acknowledged: bool  # this person has acknowledged the chain
    chain: ChainView
