"""The submission window of a report season (default: the first two weeks of term) and
what a submission at a given moment is: refused before it opens, on time, or late.

Late submissions are accepted and flagged, never lost: the window's close only marks
them. Times are aware; the college's wall clock is Asia/Shanghai.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.rules import RuleBroken

CAMPUS_TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_WINDOW_DAYS = 14


@dataclass(frozen=True)
class SubmissionWindow:
    opens_at: datetime
    closes_at: datetime

    def is_late(self, at: datetime) -> bool:
        """Refuses a submission before the window opens; True when it comes after it closed."""
        if at < self.opens_at:
            raise RuleBroken(
                "window_not_open",
                field="season",
                message=f"the submission window opens at {self.opens_at.isoformat()}",
            )
        return at > self.closes_at

    def check_none_awaited(self, at: datetime, *, awaited: int) -> None:
        """The college's award screen ranks the whole cohort: while the window is open and
        `awaited` expected reports are not yet submitted, it waits, so that no report
        submitted on time is left out of it."""
        if at <= self.closes_at and awaited:  # on time up to the close itself (is_late)
            raise RuleBroken(
                "submission_window_open",
                field="season",
                message=f"{awaited} expected report(s) may still be submitted on time, until"
                f" {self.closes_at.isoformat()}: the awards are screened once every expected"
                " report is in or the submission window has closed (the chair may move its"
                " close)",
            )


def default_window(term_starts_on: date) -> SubmissionWindow:
    """From the first day of term, 00:00 campus time, to 14 days later."""
    opens_at = datetime.combine(term_starts_on, time(0, 0), tzinfo=CAMPUS_TZ)
    return SubmissionWindow(
        opens_at=opens_at, closes_at=opens_at + timedelta(days=DEFAULT_WINDOW_DAYS)
    )


def window_of(
    term_starts_on: date, *, opens_at: datetime | None, closes_at: datetime | None
) -> SubmissionWindow:
    """The window a season asks for; what it leaves out comes from the default window."""
    default = default_window(term_starts_on)
    opens = opens_at if opens_at is not None else default.opens_at
    if closes_at is None:
        closes = (
            opens + timedelta(days=DEFAULT_WINDOW_DAYS)
            if opens_at is not None
            else default.closes_at
        )
    else:
        closes = closes_at
    if closes <= opens:
        raise RuleBroken(
            "window_invalid",
            field="closes_at",
            message="the submission window must close after it opens",
            invalid=True,
        )
    return SubmissionWindow(opens_at=opens, closes_at=closes)
