"""Request and response bodies of the contact directory."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.web.fields import Line

ScopeText = Annotated[Line, Field(min_length=1, max_length=64)]
Address = Annotated[Line, Field(min_length=1, max_length=500)]


class ContactPointsBody(BaseModel):
    """Where the person is reached outside the app (each optional; given ones replace)."""

    model_config = ConfigDict(extra="forbid")

    email: Address | None = None
    sms: Address | None = Field(default=None, description="A mobile number")
    im: Address | None = Field(default=None, description="An Apprise URL of an IM bot")

    def given(self) -> dict[str, str]:
        return {
            channel: address
            for channel, address in (("email", self.email), ("sms", self.sms), ("im", self.im))
            if address is not None
        }


class DirectoryEntryBody(BaseModel):
    """A person in a directory role: their name, the scopes they cover (a guardian:
    beneficiary ids; a school contact or grade leader: school ids; a township contact:
    counties; the office and the chair: none), and their contact points."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[Line, Field(min_length=1, max_length=64)]
    scopes: list[ScopeText] = Field(default_factory=list, max_length=200)
    contact_points: ContactPointsBody = Field(default_factory=ContactPointsBody)


class DirectoryEntryView(BaseModel):
    role: str
    person_id: str
    name: str
    scopes: list[str]
    contact_points: dict[str, str]
    updated_at: datetime | None


class DirectoryPage(BaseModel):
    items: list[DirectoryEntryView]
    limit: int
    offset: int
