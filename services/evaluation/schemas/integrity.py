"""The similarity check, open flags and integrity decisions as the API takes and shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.web.fields import Text

REASON_MAX = 2000


class DecisionForm(BaseModel):
    """The chair's decision on a flagged report, with the reason on record."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    decision: Literal["cleared", "misconduct"]
    reason: Annotated[Text, Field(min_length=1, max_length=REASON_MAX)]


class DecisionView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    decision_id: UUID
    report_id: UUID
    season: str
    version: int
    decision: Literal["cleared", "misconduct"]
    decided_by: str
    reason: str
    decided_at: datetime
    funds_reclaim_requested: bool


class PassageView(BaseModel):
    """A verified passage: [start, end) in this report's text and [source_start,
    source_end) in the source's, both as submitted, and the matched texts."""

    start: int
    end: int
    source_start: int
    source_end: int
    characters: int = Field(description="Matched characters after normalisation")
    text: str
    source_text: str = ""


class MatchView(BaseModel):
    report_id: UUID
    version: int
    season: str
    title: str
    containment: float = Field(description="Share of this report covered by this source")
    passages: list[PassageView]


class PastDecisionView(BaseModel):
    decision_id: UUID
    version: int
    decision: Literal["cleared", "misconduct"]
    decided_by: str
    reason: str
    decided_at: datetime


class SimilarityView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    report_id: UUID
    season: str
    title: str
    integrity: Literal["clear", "flagged", "cleared", "misconduct"]
    version: int
    containment: float = Field(description="Share of the report covered by verified matches")
    threshold: float
    flagged: bool
    characters: int = Field(description="Characters compared (template and references left out)")
    ignored_fingerprints: int = Field(description="Fingerprints common across many reports")
    checked_at: datetime
    matches: list[MatchView]
    decisions: list[PastDecisionView]


class FlagSourceView(BaseModel):
    report_id: UUID
    season: str
    containment: float
    passages: int


class FlagView(BaseModel):
    report_id: UUID
    title: str
    kind: Literal["team", "individual"]
    team_id: UUID | None
    project_class: Literal["I", "II"] | None
    author_ids: list[str]
    version: int
    containment: float
    threshold: float
    flagged_at: datetime
    sources: list[FlagSourceView]


class FlagPage(BaseModel):
    items: list[FlagView]
    total: int
    limit: int
    offset: int


class RecheckView(BaseModel):
    """A report's current version checked again against every report indexed now."""

    model_config = ConfigDict(from_attributes=True)

    report_id: UUID
    season: str
    version: int
    integrity_before: Literal["clear", "flagged", "cleared", "misconduct"]
    integrity: Literal["clear", "flagged", "cleared", "misconduct"]
    checked: bool = Field(description="False: flagged or misconduct already, left as it is")
    flagged: bool = Field(description="Flagged by this re-check (SimilarityFlagged emitted)")
    containment: float | None = None
    threshold: float | None = None
    over_threshold: bool | None = None
    sources: list[UUID] = Field(default_factory=list)
    new_sources: list[UUID] = Field(
        default_factory=list, description="Sources the version's earlier check did not match"
    )


class SeasonRecheckView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    season: str
    reports: int = Field(description="Submitted reports of the season")
    checked: int = Field(description="Re-checked (the flagged and misconduct ones are left)")
    flagged: list[UUID] = Field(description="Reports this re-check flagged")
    checked_at: datetime
