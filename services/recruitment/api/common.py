"""What every recruitment route needs: the college path parameter, the pool, the roles."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends, Path

from shared.events.base import COLLEGE_PATTERN
from shared.runtime import pool_of

College = Annotated[str, Path(pattern=COLLEGE_PATTERN, description="College code")]
Pool = Annotated[asyncpg.Pool, Depends(pool_of)]
PREFIX = "/api/recruitment"
