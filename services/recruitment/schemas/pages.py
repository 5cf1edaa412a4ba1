"""A page of a listing, as every recruitment listing answers it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, Self, TypeVar

from pydantic import BaseModel

from services.recruitment.domain.paging import Paging

ItemT = TypeVar("ItemT")


class Page(BaseModel, Generic[ItemT]):
    """Subclass it per item view (`class TeamPage(Page[TeamView])`) to keep the name."""

    items: list[ItemT]
    limit: int
    offset: int

    @classmethod
    def listing(cls, items: Iterable[object], paging: Paging) -> Self:
        """The page of these domain objects (each item view reads them by attribute)."""
        return cls.model_validate(
            {"items": list(items), "limit": paging.limit, "offset": paging.offset}
        )
