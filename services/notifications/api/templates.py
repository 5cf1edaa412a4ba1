"""Notification templates of a college (its admins): every kind with its declared fields
and effective template, overrides saved as versions (refused with a 422 naming the
problem when they do not parse, use an undeclared field or fail to render), the versions,
a revert to the built-in template, and a preview."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from services.notifications.api.common import COLLEGE, Admin, College, Paged
from services.notifications.schemas.templates import (
    KindList,
    KindView,
    Locale,
    PreviewForm,
    RenderedView,
    TemplateForm,
    TemplateView,
    VersionPage,
    VersionView,
)
from services.notifications.service import templates as service
from shared.web.dependencies import Now, ReadOnly, Transaction

router = APIRouter(prefix=f"{COLLEGE}/templates", tags=["templates"])
KindName = Annotated[str, Path(pattern=r"^[a-z_]+$", max_length=64)]
LocalePath = Annotated[Locale, Path()]


@router.get("", summary="Every kind with its declared fields and its template in each locale")
async def list_kinds(college: College, admin: Admin, conn: ReadOnly) -> KindList:
    kinds = await service.kinds_with_templates(conn, college=college)
    return KindList(items=[KindView.of(entry) for entry in kinds])


@router.get("/{kind}", summary="A kind with its declared fields and its effective templates")
async def read_kind(college: College, kind: KindName, admin: Admin, conn: ReadOnly) -> KindView:
    return KindView.of(await service.kind_templates(conn, college=college, kind=kind))


@router.put(
    "/{kind}/{locale}",
    summary="Save the college's wording of a kind in a locale as its next version (checked "
    "first: it must parse, use only declared fields and render against sample fields)",
)
async def save_template(
    college: College,
    kind: KindName,
    locale: LocalePath,
    form: TemplateForm,
    admin: Admin,
    conn: Transaction,
    now: Now,
) -> VersionView:
    version = await service.save_template(
        conn,
        college=college,
        kind=kind,
        locale=locale,
        source=form.source,
        saved_by=admin.user_id,
        now=now,
    )
    return VersionView.of(version)


@router.delete(
    "/{kind}/{locale}",
    summary="Revert to the built-in template (recorded as a version; nothing when already)",
)
async def revert_template(
    college: College, kind: KindName, locale: LocalePath, admin: Admin, conn: Transaction, now: Now
) -> TemplateView:
    effective = await service.revert_template(
        conn, college=college, kind=kind, locale=locale, saved_by=admin.user_id, now=now
    )
    return TemplateView.of(effective)


@router.get("/{kind}/{locale}/versions", summary="The saved versions, the latest first")
async def list_versions(
    college: College,
    kind: KindName,
    locale: LocalePath,
    admin: Admin,
    conn: ReadOnly,
    paging: Paged,
) -> VersionPage:
    versions, total = await service.template_versions(
        conn, college=college, kind=kind, locale=locale, paging=paging
    )
    return VersionPage.listing(versions, total, paging)


@router.post(
    "/{kind}/preview",
    summary="Render a kind with sample or given fields (an unsaved source, or the effective one)",
)
async def preview(
    college: College, kind: KindName, form: PreviewForm, admin: Admin, conn: ReadOnly
) -> RenderedView:
    rendered = await service.preview(
        conn,
        college=college,
        kind=kind,
        locale=form.locale,
        fields=form.fields,
        source=form.source,
        time_zone=form.time_zone,
    )
    return RenderedView.of(rendered)
