"""What every scheduling route shares: its prefix, the roles it names, and the kernel's
college path parameter, pool and paging under the names the routes use."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shared.web.auth import Principal
from shared.web.dependencies import College, Limit, Offset, Paged, Pool, caller, paging

PREFIX = "/api/scheduling"

# Officers stand for the department heads who approve swaps and leave and take attendance.
STAFF = ("officer", "college_admin", "university_admin")
Officer = Annotated[Principal, Depends(caller(*STAFF))]
# A member (a student) or staff.
Member = Annotated[Principal, Depends(caller("student", *STAFF))]

__all__ = [
    "PREFIX",
    "STAFF",
    "College",
    "Limit",
    "Member",
    "Officer",
    "Offset",
    "Paged",
    "Pool",
    "paging",
]
