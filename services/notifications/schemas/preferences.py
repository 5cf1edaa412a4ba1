"""A person's notification choices, as the API takes and shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.notifications.domain.digests import DEFAULT_DIGEST_WINDOW
from services.notifications.domain.kinds import KINDS, Category
from services.notifications.domain.preferences import (
    CategoryPreference,
    Channel,
    QuietHandling,
    category_preference,
)
from services.notifications.service.preferences import MyPreferences
from shared.web.fields import Line, StrictBool

WallClock = Annotated[Line, Field(max_length=16, examples=["22:00"])]


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CategoryChoiceIn(_Form):
    """One category's choice: channels in failover order, on/off, quiet handling, digest."""

    category: Category
    channels: Annotated[list[Channel], Field(min_length=1, max_length=4)]
    enabled: StrictBool = True
    quiet_hours: QuietHandling = QuietHandling.HOLD
    digest: StrictBool = False

    def to_domain(self, index: int) -> CategoryPreference:
        """The choice; one that cannot be is refused naming `categories.<index>.<field>`."""
        return category_preference(
            self.category,
            tuple(self.channels),
            enabled=self.enabled,
            quiet=self.quiet_hours,
            digest=self.digest,
            field=f"categories.{index}",
        )


class PreferencesIn(_Form):
    """The categories given replace their choices; the others keep theirs."""

    categories: Annotated[list[CategoryChoiceIn], Field(min_length=1, max_length=len(Category))]


class QuietHoursIn(_Form):
    """A window in the person's time zone, e.g. 22:00 to 07:00 (it may cross midnight)."""

    starts: WallClock
    ends: WallClock


class DigestWindowIn(_Form):
    window: Annotated[Line, Field(max_length=40, examples=["daily 20:00", "weekly fri 18:30"])]


class ContactPointIn(_Form):
    address: Annotated[Line, Field(min_length=1, max_length=2000)]


class LocaleIn(_Form):
    locale: Annotated[Line, Field(max_length=16, examples=["zh-CN", "en"])]


class TimeZoneIn(_Form):
    time_zone: Annotated[Line, Field(max_length=64, examples=["Asia/Shanghai"])]


class CategoryChoiceView(BaseModel):
    category: Category
    channels: list[str]
    enabled: bool
    quiet_hours: str
    digest: bool
    critical: bool
    chosen: bool  # false: the default (nothing chosen yet)
    kinds: list[str]


class QuietHoursView(BaseModel):
    starts: str
    ends: str
    time_zone: str


class DigestWindowView(BaseModel):
    window: str
    chosen: bool  # false: the default window (daily 20:00)
    next_at: datetime


class PreferencesView(BaseModel):
    locale: str
    time_zone: str
    contact_points: dict[str, str]
    quiet_hours: QuietHoursView | None
    digest: DigestWindowView
    categories: list[CategoryChoiceView]

    @classmethod
    def of(cls, mine: MyPreferences) -> PreferencesView:
        quiet = mine.quiet_hours
        return cls(
            locale=mine.locale,
            time_zone=mine.time_zone,
            contact_points=mine.contact_points,
            quiet_hours=QuietHoursView(
                starts=quiet.starts.strftime("%H:%M"),
                ends=quiet.ends.strftime("%H:%M"),
                time_zone=mine.time_zone,
            )
            if quiet is not None
            else None,
            digest=DigestWindowView(
                window=str(mine.digest_window or DEFAULT_DIGEST_WINDOW),
                chosen=mine.digest_window is not None,
                next_at=mine.digest_next_at,
            ),
            categories=[
                CategoryChoiceView(
                    category=choice.preference.category,
                    channels=[str(c) for c in choice.preference.channels],
                    enabled=choice.preference.enabled,
                    quiet_hours=str(choice.preference.quiet),
                    digest=choice.preference.digest,
                    critical=choice.critical,
                    chosen=choice.chosen,
                    kinds=sorted(
                        k.name for k in KINDS.values() if k.category is choice.preference.category
                    ),
                )
                for choice in mine.categories
            ],
        )
