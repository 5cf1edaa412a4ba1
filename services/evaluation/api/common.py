"""What every evaluation route shares: its prefix, the roles it names, the service's
settings, and the kernel's college path parameter, pool and paging under the names the
routes use.

Roles: the committee chair is the college's `college_admin` (sees everything of the
college); committee members review as `reviewer`; the final review is a `teacher`'s;
officers score staff for their assessment; students submit and read their own.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.evaluation.settings import EvaluationSettings
from shared.runtime import runtime_of
from shared.web.auth import Principal
from shared.web.dependencies import College, Limit, Offset, Paged, Pool, caller, paging

PREFIX = "/api/evaluation/colleges/{college}"

CHAIR_ROLES = ("college_admin", "university_admin")
Chair = Annotated[Principal, Depends(caller(*CHAIR_ROLES))]
Reviewer = Annotated[Principal, Depends(caller("reviewer", *CHAIR_ROLES))]
Teacher = Annotated[Principal, Depends(caller("teacher", *CHAIR_ROLES))]
Officer = Annotated[Principal, Depends(caller("officer", *CHAIR_ROLES))]
Student = Annotated[Principal, Depends(caller("student", *CHAIR_ROLES))]
# Anyone of the college: what they see is decided by the route (visibility rules).
Anyone = Annotated[
    Principal,
    Depends(caller("student", "reviewer", "teacher", "officer", *CHAIR_ROLES)),
]


def evaluation_settings(request: Request) -> EvaluationSettings:
    settings = runtime_of(request).settings
    if not isinstance(settings, EvaluationSettings):
        raise RuntimeError("the evaluation routes run with the evaluation settings")
    return settings


Settings = Annotated[EvaluationSettings, Depends(evaluation_settings)]


def is_chair(principal: Principal) -> bool:
    return principal.has_any(*CHAIR_ROLES)


__all__ = [
    "CHAIR_ROLES",
    "PREFIX",
    "Anyone",
    "Chair",
    "College",
    "Limit",
    "Officer",
    "Offset",
    "Paged",
    "Pool",
    "Reviewer",
    "Settings",
    "Student",
    "Teacher",
    "evaluation_settings",
    "is_chair",
    "paging",
]
