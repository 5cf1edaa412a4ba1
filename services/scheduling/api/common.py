"""What every scheduling route shares: its prefix, the roles it names, the service's
settings and solve limits, and the kernel's college path parameter, pool and paging under
the names the routes use."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.scheduling.domain.solving import ProblemLimits
from services.scheduling.service.job_runner import problem_limits
from services.scheduling.settings import SchedulingSettings
from shared.runtime import runtime_of
from shared.web.auth import Principal
from shared.web.dependencies import College, Limit, Offset, Paged, Pool, caller, paging

PREFIX = "/api/scheduling"

# Officers stand for the department heads who approve swaps and leave and take attendance.
STAFF = ("officer", "college_admin", "university_admin")
Officer = Annotated[Principal, Depends(caller(*STAFF))]
# A member (a student) or staff.
Member = Annotated[Principal, Depends(caller("student", *STAFF))]


def scheduling_settings(request: Request) -> SchedulingSettings:
    settings = runtime_of(request).settings
    if not isinstance(settings, SchedulingSettings):
        raise RuntimeError("the scheduling routes run with the scheduling settings")
    return settings


Settings = Annotated[SchedulingSettings, Depends(scheduling_settings)]


def limits_of(settings: Settings) -> ProblemLimits:
    return problem_limits(settings)


Limits = Annotated[ProblemLimits, Depends(limits_of)]

__all__ = [
    "PREFIX",
    "STAFF",
    "College",
    "Limit",
    "Limits",
    "Member",
    "Officer",
    "Offset",
    "Paged",
    "Pool",
    "Settings",
    "paging",
    "scheduling_settings",
]
