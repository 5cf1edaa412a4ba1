"""Replaying dead letters, the rules: what a dead letter is, which may be replayed, and how.

Pure: no broker here (see replay.py). A replay strips the `dlt_*` headers, adds
`dlt_replayed_from`, and refuses what would only fail again unless forced.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shared.events.base import MalformedEvent
from shared.events.codec import decode
from shared.events.registry import DEAD_LETTER_SUFFIX, REPLAY_LOG_SUFFIX, UnknownEventType

DLT_HEADER_PREFIX = "dlt_"
REPLAYED_FROM_HEADER = "dlt_replayed_from"

Headers = Sequence[tuple[str, bytes | None]]


class DeadLetterTopicError(LookupError):
    """The dead-letter topic does not exist, or is not the one-partition topic expected."""


@dataclass(frozen=True)
class DeadLetter:
    """One message of `<topic>.dlt`, read back with the reason it was dead-lettered."""

    dlt_offset: int
    original_topic: str
    original_partition: int | None
    original_offset: int | None
    consumer: str
    error_class: str
    error_message: str
    failed_at: datetime | None
    ce_id: str | None
    ce_type: str | None
    college: str | None
    key: bytes | None
    value_size: int
    headers: tuple[tuple[str, bytes | None], ...] = field(default=(), repr=False)
    value: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Refusal:
    letter: DeadLetter
    reason: str


@dataclass(frozen=True)
class ReplayPlan:
    """What a replay would do. `forced` lists letters in `replay` that were only let through
    by `force` (already replayed, or still invalid), with the reason they would be refused."""

    replay: tuple[DeadLetter, ...] = ()
    already_replayed: tuple[DeadLetter, ...] = ()
    still_invalid: tuple[Refusal, ...] = ()
    not_found: tuple[int, ...] = ()
    forced: tuple[Refusal, ...] = ()


@dataclass(frozen=True)
class Replayed:
    dlt_offset: int
    topic: str
    partition: int
    offset: int
    ce_id: str | None


@dataclass(frozen=True)
class ReplayReport:
    replayed: tuple[Replayed, ...] = ()
    already_replayed: tuple[int, ...] = ()
    still_invalid: tuple[Refusal, ...] = ()
    not_found: tuple[int, ...] = ()
    forced: tuple[Refusal, ...] = ()


# --- pure rules -----------------------------------------------------------------------


def dead_letter_topic(topic: str) -> str:
    """`<topic>.dlt`; a name that already is a dead-letter topic is taken as it is."""
    return topic if topic.endswith(DEAD_LETTER_SUFFIX) else topic + DEAD_LETTER_SUFFIX


def original_topic(topic: str) -> str:
    return topic.removesuffix(DEAD_LETTER_SUFFIX)


def replay_log_topic(topic: str) -> str:
    return dead_letter_topic(topic) + REPLAY_LOG_SUFFIX


def replay_headers(headers: Headers, *, dlt_offset: int) -> list[tuple[str, bytes | None]]:
    """The original headers (every `dlt_*` one removed) plus where the replay came from."""
    kept = [(name, value) for name, value in headers if not name.startswith(DLT_HEADER_PREFIX)]
    return [*kept, (REPLAYED_FROM_HEADER, str(dlt_offset).encode())]


def read_dead_letter(
    *,
    topic: str,
    offset: int,
    key: bytes | None,
    value: bytes | None,
    headers: Headers,
) -> DeadLetter:
    """A DeadLetter from a record of `topic` (the original topic or its `.dlt`)."""
    found: dict[str, str] = {}
    for name, raw in headers:
        if raw is not None and name not in found:
            found[name] = bytes(raw).decode(errors="replace")
    return DeadLetter(
        dlt_offset=offset,
        original_topic=found.get("dlt_original_topic") or original_topic(topic),
        original_partition=int_or_none(found.get("dlt_original_partition")),
        original_offset=int_or_none(found.get("dlt_original_offset")),
        consumer=found.get("dlt_consumer", ""),
        error_class=found.get("dlt_error_class", ""),
        error_message=found.get("dlt_error_message", ""),
        failed_at=datetime_or_none(found.get("dlt_failed_at")),
        ce_id=found.get("ce_id"),
        ce_type=found.get("ce_type"),
        college=found.get("college"),
        key=key,
        value_size=len(value) if value is not None else 0,
        headers=tuple((name, raw) for name, raw in headers),
        value=value,
    )


def invalid_reason(letter: DeadLetter) -> str | None:
    """Why replaying the letter would only dead-letter it again, or None if it decodes."""
    try:
        decode(replay_headers(letter.headers, dlt_offset=letter.dlt_offset), letter.value)
    except (MalformedEvent, UnknownEventType) as error:
        return f"{type(error).__name__}: {error}"
    return None


def plan_replay(
    letters: Iterable[DeadLetter],
    *,
    consumer: str,
    offsets: Collection[int] | None = None,
    replayed: Collection[int] = (),
    force: bool = False,
    is_invalid: Callable[[DeadLetter], str | None] = invalid_reason,
) -> ReplayPlan:
    """Choose the consumer's dead letters to replay (all of them, or those at `offsets`)."""
    mine = {letter.dlt_offset: letter for letter in letters if letter.consumer == consumer}
    wanted = sorted(mine) if offsets is None else sorted(set(offsets))
    replay: list[DeadLetter] = []
    already: list[DeadLetter] = []
    invalid: list[Refusal] = []
    forced: list[Refusal] = []
    not_found: list[int] = []
    for offset in wanted:
        letter = mine.get(offset)
        if letter is None:
            not_found.append(offset)
            continue
        if offset in replayed:
            if not force:
                already.append(letter)
                continue
            forced.append(Refusal(letter, "already replayed"))
        reason = is_invalid(letter)
        if reason is not None:
            if not force:
                invalid.append(Refusal(letter, reason))
                continue
            forced.append(Refusal(letter, f"still invalid: {reason}"))
        replay.append(letter)
    return ReplayPlan(
        replay=tuple(replay),
        already_replayed=tuple(already),
        still_invalid=tuple(invalid),
        not_found=tuple(not_found),
        forced=tuple(forced),
    )


def replay_log_entry(
    letter: DeadLetter, *, republished: Replayed, forced: bool, now: datetime
) -> bytes:
    return json.dumps(
        {
            "dlt_offset": letter.dlt_offset,
            "consumer": letter.consumer,
            "ce_id": letter.ce_id,
            "original": {
                "topic": letter.original_topic,
                "partition": letter.original_partition,
                "offset": letter.original_offset,
            },
            "republished": {
                "topic": republished.topic,
                "partition": republished.partition,
                "offset": republished.offset,
            },
            "forced": forced,
            "replayed_at": now.isoformat(),
        },
        sort_keys=True,
    ).encode()


def int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def datetime_or_none(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
