"""Personal calendar feeds as the API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

# The token is 256 random bits, URL-safe base64 (43 characters); longer is never one.
TOKEN_MAX_LENGTH = 128


class FeedView(BaseModel):
    """The secret URL of one's calendar (shown only when issued or rotated: only a hash
    of its token is kept). `webcal_url` opens the subscription on a phone."""

    url: str
    webcal_url: str
    created_at: datetime
    rotated_at: datetime | None = Field(default=None)
