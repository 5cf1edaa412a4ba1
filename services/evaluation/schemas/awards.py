"""Award runs, prizes, excellence applications and defenses, as the API takes and
shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.evaluation.domain.awards import TIERS, AwardConfig
from services.evaluation.domain.defenses import DEFAULT_PANEL_SIZE, Defense, PanelMember, Slot
from services.evaluation.repository.awards import Application, AwardRow
from services.evaluation.repository.defenses import DefenseRow
from services.evaluation.service.awards import AwardRun
from shared.web.fields import AwareDateTime, Identifier, Line, StrictBool, StrictInt

Ratio = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Count = Annotated[StrictInt, Field(ge=0, le=10_000)]
Prize = Literal["first", "second", "third", "honourable"]


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PrizeCounts(_Form):
    first: Count = 0
    second: Count = 0
    third: Count = 0
    honourable: Count = 0


class PrizeRatios(_Form):
    """Shares of the screened reports, summing to at most 1."""

    first: Share = 0.0
    second: Share = 0.0
    third: Share = 0.0
    honourable: Share = 0.0


class AwardRunForm(_Form):
    """Defaults: screen the top 10%, excellence for the top 30%, prizes 10/20/30/40% of the
    screened. Give prizes as `prize_counts` or as `prize_ratios`, not both."""

    screen_ratio: Ratio = 0.10
    excellence_ratio: Ratio = 0.30
    prize_counts: PrizeCounts | None = None
    prize_ratios: PrizeRatios | None = None

    def config(self) -> AwardConfig:
        counts = self.prize_counts
        ratios = self.prize_ratios
        if counts is None and ratios is None:
            ratios = PrizeRatios(first=0.1, second=0.2, third=0.3, honourable=0.4)
        return AwardConfig(
            screen_ratio=self.screen_ratio,
            excellence_ratio=self.excellence_ratio,
            prize_counts=None if counts is None else tuple(getattr(counts, t) for t in TIERS),
            prize_ratios=None if ratios is None else tuple(getattr(ratios, t) for t in TIERS),
        )


class PlacedView(BaseModel):
    report_id: UUID
    prize: Prize | None
    calibrated_score: float
    low: float | None
    high: float | None
    reviews: int


class HeldBackView(BaseModel):
    """Borderline: waiting for one more review (`reviewer_id` None: nobody eligible was
    left, so the next run places it on the reviews it has)."""

    report_id: UUID
    reviewer_id: str | None
    requested_at: datetime
    reviews_then: int


class CutoffView(BaseModel):
    name: str
    score: float


class AwardRunView(BaseModel):
    """`status` pending (HTTP 202): borderline reports wait for one more review, nothing is
    granted, run again once their reviews are in; final (HTTP 201): prizes granted."""

    run_id: UUID
    season: str
    status: Literal["pending", "final"]
    ranked: int
    screened: list[PlacedView]
    held_back: list[HeldBackView]
    excellence_eligible: list[UUID]
    cutoffs: list[CutoffView]

    @classmethod
    def of(cls, run: AwardRun) -> AwardRunView:
        def finite(value: float) -> float | None:
            return value if abs(value) != float("inf") else None

        screened = [
            PlacedView(
                report_id=UUID(i),
                prize=run.result.prize_of(i),
                calibrated_score=run.scores[i].calibrated,
                low=finite(run.scores[i].low),
                high=finite(run.scores[i].high),
                reviews=run.scores[i].reviews,
            )
            for i in run.result.screened
        ]
        return cls(
            run_id=run.run_id,
            season=run.season,
            status=run.status,
            ranked=len(run.result.ranking),
            screened=screened,
            held_back=[HeldBackView(**h.__dict__) for h in run.held_back],
            excellence_eligible=[UUID(i) for i in run.result.excellence_eligible],
            cutoffs=[CutoffView(name=c.name, score=c.score) for c in run.result.cutoffs],
        )


class AwardView(BaseModel):
    """A prize; students see no calibrated score and no withdrawn prize."""

    report_id: UUID
    title: str
    prize: Prize
    author_ids: list[str]
    calibrated_score: float | None
    granted_at: datetime
    withdrawn_at: datetime | None
    withdraw_reason: str | None

    @classmethod
    def of(cls, row: AwardRow, *, full: bool) -> AwardView:
        return cls(
            report_id=row.report_id,
            title=row.title,
            prize=row.prize,
            author_ids=list(row.author_ids),
            calibrated_score=row.calibrated_score if full else None,
            granted_at=row.granted_at,
            withdrawn_at=row.withdrawn_at,
            withdraw_reason=row.withdraw_reason,
        )


class AwardList(BaseModel):
    items: list[AwardView]


class ApplicationView(BaseModel):
    """`withdrawn_at`, `withdraw_reason`: withdrawn on misconduct (kept, never deleted)."""

    report_id: UUID
    season: str
    applicant_id: str
    applied_at: datetime
    withdrawn_at: datetime | None = None
    withdraw_reason: str | None = None

    @classmethod
    def of(cls, a: Application) -> ApplicationView:
        return cls(
            report_id=a.report_id,
            season=a.season,
            applicant_id=a.applicant_id,
            applied_at=a.applied_at,
            withdrawn_at=a.withdrawn_at,
            withdraw_reason=a.withdraw_reason,
        )


class ApplicationList(BaseModel):
    items: list[ApplicationView]


# --- defenses ------------------------------------------------------------------------------


class SlotForm(_Form):
    room: Annotated[Line, Field(min_length=1, max_length=200)]
    starts_at: AwareDateTime
    ends_at: AwareDateTime


class SpanForm(_Form):
    starts_at: AwareDateTime
    ends_at: AwareDateTime


class MemberForm(_Form):
    """A possible panel member; without `available` they can sit at any slot."""

    person_id: Identifier
    available: Annotated[list[SpanForm], Field(max_length=50)] | None = None


class ScheduleForm(_Form):
    slots: Annotated[list[SlotForm], Field(min_length=1, max_length=200)]
    members: Annotated[list[MemberForm], Field(min_length=1, max_length=100)]
    panel_size: Annotated[StrictInt, Field(ge=1, le=20)] = DEFAULT_PANEL_SIZE

    def slot_list(self) -> list[Slot]:
        return [Slot(s.room, s.starts_at, s.ends_at) for s in self.slots]

    def member_list(self) -> list[PanelMember]:
        return [
            PanelMember(
                m.person_id,
                None
                if m.available is None
                else tuple((span.starts_at, span.ends_at) for span in m.available),
            )
            for m in self.members
        ]


class DecisionForm(_Form):
    score: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
    excellent: StrictBool


class DefenseView(BaseModel):
    """`withdrawn_at`, `withdraw_reason`: withdrawn on misconduct (kept; its room and
    panel are free again, and it can no longer be decided)."""

    defense_id: UUID
    report_id: UUID
    season: str
    room: str
    panel_ids: list[str]
    starts_at: datetime
    ends_at: datetime
    score: float | None = None
    excellent: bool | None = None
    decided_at: datetime | None = None
    withdrawn_at: datetime | None = None
    withdraw_reason: str | None = None

    @classmethod
    def of(cls, row: DefenseRow, *, reason_shown: bool) -> DefenseView:
        """`reason_shown`: the misconduct reason for the chair, teachers and the report's
        own authors; a reviewer or a panel member sees only that it was withdrawn."""
        return cls.scheduled(row.defense, row.season).model_copy(
            update={
                "score": row.score,
                "excellent": row.excellent,
                "decided_at": row.decided_at,
                "withdrawn_at": row.withdrawn_at,
                "withdraw_reason": row.withdraw_reason if reason_shown else None,
            }
        )

    @classmethod
    def scheduled(cls, d: Defense, season: str) -> DefenseView:
        return cls(
            defense_id=d.defense_id,
            report_id=d.report_id,
            season=season,
            room=d.room,
            panel_ids=list(d.panel_ids),
            starts_at=d.starts_at,
            ends_at=d.ends_at,
        )


class DefenseList(BaseModel):
    items: list[DefenseView]
