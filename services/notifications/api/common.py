"""What every notifications route shares: its prefixes, the roles it names and the
service's settings.

A person's own things (inbox, preferences, contact points) live under `/api/notifications/me`
and belong to the caller; a college's things (templates, webhooks, the contact directory,
delivery records, escalations) under `/api/notifications/colleges/{college}`, for its
college admins.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.notifications.settings import NotificationsSettings
from shared.runtime import runtime_of
from shared.web.auth import CurrentPrincipal, Principal
from shared.web.dependencies import College, Paged, caller

PREFIX = "/api/notifications"
ME = f"{PREFIX}/me"
COLLEGE = f"{PREFIX}/colleges/{{college}}"

ADMIN_ROLES = ("college_admin", "university_admin")
Admin = Annotated[Principal, Depends(caller(*ADMIN_ROLES))]
# Staff who may report incidents and acknowledge escalations of their college.
Staff = Annotated[Principal, Depends(caller("teacher", "officer", *ADMIN_ROLES))]


def notifications_settings(request: Request) -> NotificationsSettings:
    settings = runtime_of(request).settings
    if not isinstance(settings, NotificationsSettings):
        raise RuntimeError("the notifications routes run with the notifications settings")
    return settings


Settings = Annotated[NotificationsSettings, Depends(notifications_settings)]

__all__ = [
    "ADMIN_ROLES",
    "COLLEGE",
    "ME",
    "PREFIX",
    "Admin",
    "College",
    "CurrentPrincipal",
    "Paged",
    "Settings",
    "Staff",
    "notifications_settings",
]
