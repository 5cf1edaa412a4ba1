"""How a college words its notifications: the effective template of a kind and locale
(the college's latest saved version, else the built-in file), saving and reverting
overrides (each a new version, checked before it is kept), previews, and
`render_message` — the hook the message pipeline words every message with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import structlog
from jinja2 import TemplateError

from services.notifications.domain.kinds import KINDS, Kind, UnknownKind, kind_named
from services.notifications.domain.template_samples import sample_fields
from services.notifications.domain.templating import (
    BUILTIN_VERSION,
    LOCALES,
    Rendered,
    builtin_source,
    check_template,
    render_builtin,
    render_source,
    resolve_locale,
)
from services.notifications.repository import templates as repository
from services.notifications.repository.templates import TemplateVersion
from shared.paging import Paging
from shared.rules import NotFound, RuleBroken

_log = structlog.get_logger("campusflow.notifications.templates")


@dataclass(frozen=True)
class EffectiveTemplate:
    """What a kind is worded with in a locale: an override (version >= 1) or the built-in
    file (version 0, `saved_by`/`saved_at` None)."""

    kind: str
    locale: str
    source: str
    version: int
    builtin: bool
    saved_by: str | None
    saved_at: datetime | None


@dataclass(frozen=True)
class KindTemplates:
    kind: Kind
    templates: tuple[EffectiveTemplate, ...]


def _kind(name: str) -> Kind:
    try:
        return kind_named(name)
    except UnknownKind:
        raise NotFound("notification kind", name) from None


def _locale(locale: str) -> str:
    if locale not in LOCALES:
        raise RuleBroken(
            "unknown_locale",
            field="locale",
            message=f"templates are kept for {' and '.join(LOCALES)}, not {locale!r}",
            invalid=True,
        )
    return locale


def _effective(kind: Kind, locale: str, latest: TemplateVersion | None) -> EffectiveTemplate:
    if latest is None or latest.source is None:
        return EffectiveTemplate(
            kind.name, locale, builtin_source(kind.name, locale), BUILTIN_VERSION, True, None, None
        )
    return EffectiveTemplate(
        kind.name, locale, latest.source, latest.version, False, latest.saved_by, latest.saved_at
    )


def _missing_field(kind: Kind, fields: Mapping[str, object]) -> None:
    missing = sorted(kind.fields - fields.keys())
    if missing:
        raise ValueError(f"kind {kind.name} needs the field {missing[0]!r} (None when absent)")


async def render_message(
    conn: asyncpg.Connection,
    *,
    college: str,
    kind: str,
    locale: str,
    fields: Mapping[str, object],
    time_zone: str | None = None,
) -> Rendered:
    """Word one message: the college's override of the kind in the locale (unknown
    locales fall back to zh-CN) if any, else the built-in template; times in `time_zone`
    (the recipient's; Asia/Shanghai when not given). A missing declared field is a
    routing bug (ValueError). An override that fails on these fields (it passed the
    sample check when saved) is logged and the built-in template words the message."""
    the_kind = kind_named(kind)
    _missing_field(the_kind, fields)
    resolved = resolve_locale(locale)
    latest = await repository.latest_version(
        conn, college=college, kind=the_kind.name, locale=resolved
    )
    if latest is not None and latest.source is not None:
        try:
            return render_source(
                the_kind,
                latest.source,
                fields,
                locale=resolved,
                version=latest.version,
                time_zone=time_zone,
            )
        except (TemplateError, RuleBroken, TypeError, ValueError, LookupError, ArithmeticError):
            _log.warning(
                "template_override_failed",
                college=college,
                kind=the_kind.name,
                locale=resolved,
                version=latest.version,
                exc_info=True,
            )
    return render_builtin(the_kind, resolved, fields, time_zone=time_zone)


async def kinds_with_templates(conn: asyncpg.Connection, *, college: str) -> list[KindTemplates]:
    """Every kind with its declared fields and its effective template in each locale."""
    latest = {
        (version.kind, version.locale): version
        for version in await repository.latest_versions(conn, college=college)
    }
    return [
        KindTemplates(
            kind,
            tuple(_effective(kind, locale, latest.get((kind.name, locale))) for locale in LOCALES),
        )
        for kind in KINDS.values()
    ]


async def kind_templates(conn: asyncpg.Connection, *, college: str, kind: str) -> KindTemplates:
    the_kind = _kind(kind)
    templates = []
    for locale in LOCALES:
        latest = await repository.latest_version(
            conn, college=college, kind=the_kind.name, locale=locale
        )
        templates.append(_effective(the_kind, locale, latest))
    return KindTemplates(the_kind, tuple(templates))


async def save_template(
    conn: asyncpg.Connection,
    *,
    college: str,
    kind: str,
    locale: str,
    source: str,
    saved_by: str,
    now: datetime,
) -> TemplateVersion:
    """Keep a college's wording of a kind as its next version — refused (RuleBroken on
    `source`, nothing kept) when it does not parse, uses a field the kind does not
    declare, or fails to render against the kind's sample fields or with them absent."""
    the_kind = _kind(kind)
    locale = _locale(locale)
    check_template(the_kind, source, locale=locale)
    version = await repository.insert_version(
        conn, college=college, kind=the_kind.name, locale=locale, source=source,
        saved_by=saved_by, saved_at=now,
    )  # fmt: skip
    _log.info("template_saved", college=college, kind=kind, locale=locale, version=version.version)
    return version


async def revert_template(
    conn: asyncpg.Connection, *, college: str, kind: str, locale: str, saved_by: str, now: datetime
) -> EffectiveTemplate:
    """Go back to the built-in template (recorded as a version without source); nothing
    is recorded when the built-in template is already in use."""
    the_kind = _kind(kind)
    locale = _locale(locale)
    latest = await repository.latest_version(
        conn, college=college, kind=the_kind.name, locale=locale
    )
    if latest is not None and latest.source is not None:
        await repository.insert_version(
            conn, college=college, kind=the_kind.name, locale=locale, source=None,
            saved_by=saved_by, saved_at=now,
        )  # fmt: skip
    return _effective(the_kind, locale, None)


async def template_versions(
    conn: asyncpg.Connection, *, college: str, kind: str, locale: str, paging: Paging
) -> tuple[Sequence[TemplateVersion], int]:
    """A kind's saved versions in a locale, the latest first, and how many there are."""
    the_kind = _kind(kind)
    locale = _locale(locale)
    versions = await repository.versions_of(
        conn,
        college=college,
        kind=the_kind.name,
        locale=locale,
        limit=paging.limit,
        offset=paging.offset,
    )
    total = await repository.count_versions(
        conn, college=college, kind=the_kind.name, locale=locale
    )
    return versions, total


async def preview(
    conn: asyncpg.Connection,
    *,
    college: str,
    kind: str,
    locale: str,
    fields: Mapping[str, object] | None,
    source: str | None,
    time_zone: str | None,
) -> Rendered:
    """Render a kind with the given fields (the rest from the samples) — with `source`
    (checked as a save would be, not kept) or the effective template."""
    the_kind = _kind(kind)
    locale = _locale(locale)
    given = dict(fields or {})
    undeclared = sorted(given.keys() - the_kind.fields)
    if undeclared:
        raise RuleBroken(
            "undeclared_field",
            field=f"fields.{undeclared[0]}",
            message=f"kind {the_kind.name} does not declare the field {undeclared[0]!r}",
            invalid=True,
        )
    values = {**sample_fields(the_kind), **given}
    if source is None:
        latest = await repository.latest_version(
            conn, college=college, kind=the_kind.name, locale=locale
        )
        effective = _effective(the_kind, locale, latest)
        source, version = effective.source, effective.version
    else:
        check_template(the_kind, source, locale=locale)
        version = BUILTIN_VERSION
    try:
        return render_source(
            the_kind, source, values, locale=locale, version=version, time_zone=time_zone
        )
    except (TemplateError, TypeError, ValueError, LookupError, ArithmeticError) as error:
        if isinstance(error, RuleBroken):
            raise
        raise RuleBroken(
            "template_render",
            field="fields",
            message=f"the template fails to render with these fields: {error}",
            invalid=True,
        ) from None
