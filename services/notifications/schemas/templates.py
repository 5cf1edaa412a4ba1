"""Request and response models of the template routes (college admins)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from services.notifications.domain.templating import MAX_SOURCE_CHARS, Rendered
from services.notifications.repository.templates import TemplateVersion
from services.notifications.service.templates import EffectiveTemplate, KindTemplates
from shared.paging import Paging
from shared.web.fields import Text

FORM = ConfigDict(extra="forbid")
Locale = Literal["zh-CN", "en"]
Source = Annotated[Text, Field(min_length=1, max_length=MAX_SOURCE_CHARS)]


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (an IANA name, e.g. Asia/Shanghai)") from None
    return name


TimeZone = Annotated[
    str,
    Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_+\-/]+$"),
    AfterValidator(_known_zone),
]


class TemplateForm(BaseModel):
    """A college's wording of a kind: `{% block title %}…{% endblock %}` and
    `{% block body %}…{% endblock %}`, using only the kind's declared fields."""

    model_config = FORM

    source: Source


class PreviewForm(BaseModel):
    """Render a kind: with `source` (unsaved, checked as a save would be) or the effective
    template; `fields` given override the samples (only declared fields)."""

    model_config = FORM

    locale: Locale = "zh-CN"
    fields: dict[str, Any] = Field(default_factory=dict, max_length=50)
    source: Source | None = None
    time_zone: TimeZone = "Asia/Shanghai"


class TemplateView(BaseModel):
    locale: str
    version: int
    builtin: bool
    source: str
    saved_by: str | None
    saved_at: datetime | None

    @classmethod
    def of(cls, template: EffectiveTemplate) -> TemplateView:
        return cls(
            locale=template.locale,
            version=template.version,
            builtin=template.builtin,
            source=template.source,
            saved_by=template.saved_by,
            saved_at=template.saved_at,
        )


class KindView(BaseModel):
    kind: str
    category: str
    priority: str
    description: str
    fields: list[str]
    templates: list[TemplateView]

    @classmethod
    def of(cls, entry: KindTemplates) -> KindView:
        return cls(
            kind=entry.kind.name,
            category=entry.kind.category.value,
            priority=entry.kind.priority.value,
            description=entry.kind.description,
            fields=sorted(entry.kind.fields),
            templates=[TemplateView.of(template) for template in entry.templates],
        )


class KindList(BaseModel):
    items: list[KindView]


class VersionView(BaseModel):
    """A saved version; `source` null records a revert to the built-in template."""

    kind: str
    locale: str
    version: int
    source: str | None
    saved_by: str
    saved_at: datetime

    @classmethod
    def of(cls, version: TemplateVersion) -> VersionView:
        return cls(
            kind=version.kind,
            locale=version.locale,
            version=version.version,
            source=version.source,
            saved_by=version.saved_by,
            saved_at=version.saved_at,
        )


class VersionPage(BaseModel):
    items: list[VersionView]
    total: int
    limit: int
    offset: int

    @classmethod
    def listing(
        cls, versions: Iterable[TemplateVersion], total: int, paging: Paging
    ) -> VersionPage:
        return cls(
            items=[VersionView.of(version) for version in versions],
            total=total,
            limit=paging.limit,
            offset=paging.offset,
        )


class RenderedView(BaseModel):
    title: str
    body: str
    locale: str
    version: int

    @classmethod
    def of(cls, rendered: Rendered) -> RenderedView:
        return cls(
            title=rendered.title,
            body=rendered.body,
            locale=rendered.locale,
            version=rendered.version,
        )
