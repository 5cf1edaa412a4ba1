"""Report seasons as the API takes and shows them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.evaluation.domain.reports import SeasonPlan
from shared.paging import Paging
from shared.web.fields import AwareDateTime, Identifier, Line, SaneDate, Text

SeasonName = Annotated[Identifier, Field(max_length=64, examples=["2026-autumn"])]
Title = Annotated[Line, Field(min_length=1, max_length=200)]
Template = Annotated[Text, Field(max_length=100_000)]


class SeasonForm(BaseModel):
    """`opens_at`/`closes_at` default to the first two weeks of term: `term_starts_on`
    00:00 Asia/Shanghai to 14 days later. `similarity_threshold`: the share of a report
    that matched text may cover before it is flagged (default: the service's, 0.08)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Title
    term_starts_on: SaneDate
    opens_at: AwareDateTime | None = None
    closes_at: AwareDateTime | None = None
    template_text: Template = ""
    similarity_threshold: Annotated[float, Field(gt=0, le=1)] | None = None

    def plan(self, default_threshold: float) -> SeasonPlan:
        return SeasonPlan(
            title=self.title,
            term_starts_on=self.term_starts_on,
            opens_at=self.opens_at,
            closes_at=self.closes_at,
            template_text=self.template_text,
            similarity_threshold=self.similarity_threshold or default_threshold,
        )


class SeasonView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    college: str
    season: str
    title: str
    term_starts_on: date
    opens_at: datetime
    closes_at: datetime
    template_text: str
    similarity_threshold: float
    created_at: datetime
    updated_at: datetime


class SeasonPage(BaseModel):
    items: list[SeasonView]
    limit: int
    offset: int

    @classmethod
    def listing(cls, items: Iterable[object], paging: Paging) -> SeasonPage:
        return cls.model_validate(
            {"items": list(items), "limit": paging.limit, "offset": paging.offset}
        )
