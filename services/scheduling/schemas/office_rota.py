"""The office rota template's JSON format: `{"template": "office", ...}` (README)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.scheduling.domain.office_rota import (
    DAY_POST,
    EVENING_POST,
    BusySlot,
    OfficeMember,
    OfficePost,
    OfficeTemplate,
)
from shared.rules import RuleBroken
from shared.web.fields import Identifier, Line, SaneDate, StrictInt

STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


def field_path(loc: Sequence[int | str]) -> str:
    """A pydantic error location as a field path: ("staff", 3, "name") -> "staff[3].name"."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


class BusySlotDoc(BaseModel):
    model_config = STRICT
    weekday: Annotated[StrictInt, Field(ge=0, le=6)]
    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> BusySlotDoc:
        if self.end <= self.start:
            raise ValueError("a busy slot ends after it starts")
        return self


class MemberDoc(BaseModel):
    model_config = STRICT
    id: Identifier
    name: Annotated[Line, Field(max_length=200)] = ""
    busy: list[BusySlotDoc] = Field(default_factory=list, max_length=200)
    unavailable_dates: list[SaneDate] = Field(default_factory=list, max_length=400)
    skills: list[Identifier] = Field(default_factory=list, max_length=50)


class PostDoc(BaseModel):
    model_config = STRICT
    id: Identifier
    start: time
    end: time
    place: Annotated[Line, Field(max_length=200)] = ""
    seats: Annotated[StrictInt, Field(ge=1, le=1000)] = 1
    capacity: Annotated[StrictInt, Field(ge=1, le=1000)] | None = None


class OfficeDocument(BaseModel):
    model_config = STRICT
    template: Literal["office"]
    name: Annotated[Line, Field(max_length=200)] = "office rota"
    start: SaneDate
    weeks: Annotated[StrictInt, Field(ge=1, le=60)]
    rule: Literal["weekly_post", "weekly_duty"] = "weekly_post"
    members: list[MemberDoc] = Field(min_length=1)
    # None: the two office posts of DOMAIN.md; a given list must name at least one post.
    posts: list[PostDoc] | None = Field(default=None, min_length=1)
    open_weekdays: list[Annotated[StrictInt, Field(ge=0, le=6)]] = Field(
        default_factory=lambda: [0, 1, 2, 3, 4], min_length=1, max_length=7
    )
    min_duty_minutes: Annotated[StrictInt, Field(ge=1, le=1440)] = 180
    fairness_weight: Annotated[StrictInt, Field(ge=0, le=1_000_000)] = 1


def _bad(rule: str, field: str, message: str) -> RuleBroken:
    return RuleBroken(rule, field=field, message=message, invalid=True)


def office_template(doc: OfficeDocument) -> OfficeTemplate:
    """The domain template of a validated office document (ids unique, posts sane)."""
    posts = (
        tuple(
            OfficePost(
                p.id,
                p.start.replace(tzinfo=None),
                p.end.replace(tzinfo=None),
                p.place,
                p.seats,
                p.capacity,
            )
            for p in doc.posts
        )
        if doc.posts is not None
        else (DAY_POST, EVENING_POST)
    )
    for i, post in enumerate(posts):
        if post.length_min <= 0:
            raise _bad("non_positive_length", f"posts[{i}].end", "a post ends after it starts")
        if post.capacity is not None and post.capacity < post.seats:
            raise _bad("maximum_below_required", f"posts[{i}].capacity", "capacity below seats")
    for kind, ids in (("posts", [p.id for p in posts]), ("members", [m.id for m in doc.members])):
        seen: set[str] = set()
        for i, value in enumerate(ids):
            if value in seen:
                raise _bad("duplicate_id", f"{kind}[{i}].id", f"{kind} id {value!r} appears twice")
            seen.add(value)
    if doc.rule == "weekly_duty" and all(p.length_min < doc.min_duty_minutes for p in posts):
        raise _bad(
            "duty_too_short", "min_duty_minutes", "no post is long enough for the weekly duty"
        )
    members = tuple(
        OfficeMember(
            m.id,
            m.name,
            tuple(
                BusySlot(b.weekday, b.start.replace(tzinfo=None), b.end.replace(tzinfo=None))
                for b in m.busy
            ),
            frozenset(m.unavailable_dates),
            frozenset(m.skills),
        )
        for m in doc.members
    )
    return OfficeTemplate(
        start=doc.start,
        weeks=doc.weeks,
        members=members,
        posts=posts,
        open_weekdays=tuple(sorted(set(doc.open_weekdays))),
        rule=doc.rule,
        min_duty_min=doc.min_duty_minutes,
        fairness_weight=doc.fairness_weight,
        name=doc.name,
    )
