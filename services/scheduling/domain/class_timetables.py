"""A member's class timetable from an iCalendar file (.ics): the dated classes it holds
over a horizon, recurring events expanded.

What is read: every VEVENT (TRANSP:TRANSPARENT and STATUS:CANCELLED ones block no
time); DTSTART with DTEND or DURATION (an all-day event lasts its days); RRULE (DAILY
or coarser), RDATE, EXDATE, and overrides of one occurrence (RECURRENCE-ID). Recurrences
are expanded in the event's own local time, so a class at 08:00 stays at 08:00 across a
daylight-saving change; floating times and unknown zones are campus time.

Anything the file gets wrong is a `RuleBroken` on the field `file` (422), naming the
rule: unreadable, no events, an event without a start, an unsupported recurrence, or
more work than one timetable may ask for (size, events, occurrences).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from dateutil.rrule import rrulestr
from icalendar import Calendar, Event, vRecur

from services.scheduling.domain.calendar_time import CAMPUS_TZ
from services.scheduling.domain.rules import RuleBroken

MAX_ICS_BYTES = 512 * 1024
MAX_EVENTS = 1000
MAX_SESSIONS = 5000
# Occurrences stepped through (in the horizon or before it) across the whole file.
MAX_RECURRENCE_STEPS = 50_000
SUPPORTED_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
FIELD = "file"


@dataclass(frozen=True)
class ClassSession:
    """One dated class: busy from `starts_at` to `ends_at` (aware)."""

    starts_at: datetime
    ends_at: datetime
    summary: str = ""


def _broken(rule: str, message: str) -> RuleBroken:
    return RuleBroken(rule, field=FIELD, message=message, invalid=True)


def read_class_timetable(
    data: bytes, *, horizon_start: datetime, horizon_end: datetime
) -> list[ClassSession]:
    """The classes of the .ics `data` overlapping [horizon_start, horizon_end), sorted."""
    if len(data) > MAX_ICS_BYTES:
        raise _broken("ics_too_large", f"a timetable file holds at most {MAX_ICS_BYTES} bytes")
    calendar = _parse(data)
    events = [event for event in calendar.walk("VEVENT") if isinstance(event, Event)]
    if not events:
        raise _broken("ics_no_events", "the file holds no events (VEVENT)")
    if len(events) > MAX_EVENTS:
        raise _broken("ics_too_many_events", f"a timetable holds at most {MAX_EVENTS} events")
    masters: list[Event] = []
    overrides: dict[str, list[Event]] = {}
    for number, event in enumerate(events, start=1):
        _check_event(event, number)
        if event.get("RECURRENCE-ID") is not None:
            overrides.setdefault(str(event.get("UID", "")), []).append(event)
        else:
            masters.append(event)
    budget = _Budget()
    sessions: list[ClassSession] = []
    for event in masters:
        replaced = [
            _aware(o.get("RECURRENCE-ID").dt) for o in overrides.get(str(event.get("UID", "")), [])
        ]
        if not _blocks_time(event):
            continue
        for session in _occurrences(event, budget, horizon=(horizon_start, horizon_end)):
            if session.starts_at in replaced:
                continue
            if session.ends_at > horizon_start and session.starts_at < horizon_end:
                sessions.append(session)
                budget.keep()
    for changed in overrides.values():
        for event in changed:
            if _blocks_time(event):
                for session in _occurrences(
                    event, budget, horizon=(horizon_start, horizon_end), single=True
                ):
                    if session.ends_at > horizon_start and session.starts_at < horizon_end:
                        sessions.append(session)
                        budget.keep()
    return sorted(set(sessions), key=lambda s: (s.starts_at, s.ends_at, s.summary))


def _parse(data: bytes) -> Calendar:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _broken("ics_unreadable", "the file is not UTF-8 text") from None
    try:
        calendar = Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError, TypeError) as error:
        raise _broken("ics_unreadable", f"not an iCalendar file: {str(error)[:200]}") from None
    if not isinstance(calendar, Calendar) or calendar.name != "VCALENDAR":
        raise _broken("ics_unreadable", "the file is not a VCALENDAR")
    return calendar


def _check_event(event: Event, number: int) -> None:
    where = f"event {number}"
    if event.errors:
        name, problem = event.errors[0]
        raise _broken("ics_event_invalid", f"{where}: {name}: {str(problem)[:200]}")
    if event.get("DTSTART") is None:
        raise _broken("ics_event_invalid", f"{where} has no start (DTSTART)")
    try:
        start = event.start
        end = event.end
        backwards = type(start) is not type(end) or end < start
    except (ValueError, TypeError, AttributeError) as error:
        raise _broken("ics_event_invalid", f"{where}: {str(error)[:200]}") from None
    if backwards:
        raise _broken("ics_event_invalid", f"{where} ends before it starts")
    if start.year < 1900 or start.year > 2200:
        raise _broken("ics_event_invalid", f"{where} starts outside the years 1900-2200")
    for rule in event.rrules:
        frequency = (rule.get("FREQ") or [""])[0]
        if frequency not in SUPPORTED_FREQUENCIES:
            raise _broken(
                "ics_recurrence_unsupported",
                f"{where} repeats {frequency or 'without FREQ'}; a class repeats at most daily",
            )


def _blocks_time(event: Event) -> bool:
    transparent = str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT"
    cancelled = str(event.get("STATUS", "")).upper() == "CANCELLED"
    return not (transparent or cancelled)


class _Budget:
    """Counts what expanding costs, so one file cannot ask for unbounded work."""

    def __init__(self) -> None:
        self.steps = 0
        self.kept = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_RECURRENCE_STEPS:
            raise _broken(
                "ics_too_complex",
                f"expanding the recurring events takes over {MAX_RECURRENCE_STEPS} steps",
            )

    def keep(self) -> None:
        self.kept += 1
        if self.kept > MAX_SESSIONS:
            raise _broken(
                "ics_too_many_sessions",
                f"the timetable holds over {MAX_SESSIONS} classes in the horizon",
            )


def _zone(value: date | datetime) -> tzinfo:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.tzinfo
    return CAMPUS_TZ  # floating times, all-day events and unknown zones: campus time


def _wall(value: date | datetime) -> datetime:
    """The naive local wall time of a start (midnight for a date)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.combine(value, time())


def _aware(value: date | datetime) -> datetime:
    return _wall(value).replace(tzinfo=_zone(value))


def _occurrences(
    event: Event, budget: _Budget, *, horizon: tuple[datetime, datetime], single: bool = False
) -> Iterator[ClassSession]:
    """Every occurrence of `event` overlapping the horizon (its own EXDATEs out)."""
    start: date | datetime = event.start
    zone = _zone(start)
    first = _wall(start)
    length = _wall(event.end) - first
    summary = str(event.get("SUMMARY", ""))[:200]
    if length <= timedelta(0):
        return  # an instant blocks no time
    excluded = _exdates(event, zone)
    # Wall times (naive, the event's zone) from which an occurrence can reach the horizon.
    earliest = horizon[0].astimezone(zone).replace(tzinfo=None) - length
    last = horizon[1].astimezone(zone).replace(tzinfo=None)
    walls: Iterator[datetime] = iter([first])
    if not single and event.rrules:
        walls = _recurring(event, first, zone, earliest=earliest)
    for wall in walls:
        budget.step()
        if wall >= last:
            break
        if wall <= earliest or wall in excluded or wall.date() in excluded:
            continue
        yield ClassSession(wall.replace(tzinfo=zone), (wall + length).replace(tzinfo=zone), summary)
    if not single:
        for extra_start, extra_end in _rdates(event, zone):
            budget.step()
            end = extra_end if extra_end is not None else extra_start + length
            if extra_start < last and extra_start not in excluded:
                yield ClassSession(
                    extra_start.replace(tzinfo=zone), end.replace(tzinfo=zone), summary
                )


def _recurring(
    event: Event, first: datetime, zone: tzinfo, *, earliest: datetime
) -> Iterator[datetime]:
    """The RRULEs' starts as naive wall times of the event's zone, merged in order; from
    near `earliest` on when a rule allows skipping ahead."""
    rules: list[Iterator[datetime]] = []
    for recur in event.rrules:
        parts: dict[str, Any] = dict(recur)
        untils = parts.pop("UNTIL", None)
        try:
            start = _skip_ahead(parts, first, earliest)
            rule = rrulestr(vRecur(parts).to_ical().decode(), dtstart=start)
            if untils:
                rule = rule.replace(until=_local_wall(untils[0], zone))
        except (ValueError, TypeError) as error:
            raise _broken("ics_recurrence_unsupported", f"RRULE: {str(error)[:200]}") from None
        rules.append(iter(rule))
    return _merged(rules)


def _skip_ahead(parts: dict[str, Any], first: datetime, earliest: datetime) -> datetime:
    """A later start for a DAILY or WEEKLY rule that began long before the horizon: whole
    periods (INTERVAL days or weeks) later, so it yields the same occurrences from a
    period before `earliest` on, without stepping through the years before. A COUNT
    counts from the real start, so such a rule is never moved."""
    frequency = parts["FREQ"][0]
    if "COUNT" in parts or frequency not in ("DAILY", "WEEKLY"):
        return first
    interval = int((parts.get("INTERVAL") or [1])[0])
    period = timedelta(days=interval * (7 if frequency == "WEEKLY" else 1))
    periods = (earliest - first) // period - 1
    return first + periods * period if periods > 0 else first


def _merged(rules: list[Iterator[datetime]]) -> Iterator[datetime]:
    heads: list[datetime | None] = [next(rule, None) for rule in rules]
    previous: datetime | None = None
    while any(head is not None for head in heads):
        index = min(
            (i for i, head in enumerate(heads) if head is not None),
            key=lambda i: heads[i],  # type: ignore[arg-type,return-value]
        )
        head = heads[index]
        heads[index] = next(rules[index], None)
        if head is not None and head != previous:
            previous = head
            yield head


def _local_wall(value: date | datetime, zone: tzinfo) -> datetime:
    """An UNTIL, EXDATE or RDATE as a naive wall time of the event's zone."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(zone).replace(tzinfo=None)
    return _wall(value) if isinstance(value, datetime) else datetime.combine(value, time.max)


def _exdates(event: Event, zone: tzinfo) -> set[date | datetime]:
    """Excluded starts as wall times; an all-day EXDATE excludes its whole date."""
    excluded: set[date | datetime] = set()
    for value in event.exdates:
        if isinstance(value, datetime):
            excluded.add(_local_wall(value, zone))
        else:
            excluded.add(value)
    return excluded


def _rdates(event: Event, zone: tzinfo) -> list[tuple[datetime, datetime | None]]:
    extra: list[tuple[datetime, datetime | None]] = []
    for value, until in event.rdates:
        start = _local_wall(value, zone) if isinstance(value, datetime) else _wall(value)
        end: datetime | None = None
        if isinstance(until, timedelta):
            end = start + until
        elif isinstance(until, datetime | date):
            end = _local_wall(until, zone) if isinstance(until, datetime) else _wall(until)
        extra.append((start, end))
    return extra
