"""What every recruitment route shares: its prefix; the kernel's college path parameter,
pool and paging, under the names the routes use."""

from __future__ import annotations

from shared.web.dependencies import College, Limit, Offset, Paged, Pool, paging

PREFIX = "/api/recruitment"

__all__ = ["PREFIX", "College", "Limit", "Offset", "Paged", "Pool", "paging"]
