"""The duty desk as the API takes and shows it: check-ins, handover notes, the duty log,
the rotating code, desk keys."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.scheduling.domain.desk import (
    NOTE_MAX_LENGTH,
    CheckIn,
    DeskKey,
    Handover,
    HandoverNote,
    LogEntry,
    ShiftHandovers,
)
from services.scheduling.domain.desk_code import CODE_MAX_LENGTH
from shared.paging import Paging
from shared.web.fields import Line, Text

FORM = ConfigDict(extra="forbid", str_strip_whitespace=True)
VIEW = ConfigDict(from_attributes=True)
NoteText = Annotated[Text, Field(max_length=NOTE_MAX_LENGTH)]


class CheckInForm(BaseModel):
    """What the campus app sends after scanning the desk's QR code (签到)."""

    model_config = FORM

    code: Annotated[Line, Field(min_length=1, max_length=CODE_MAX_LENGTH)]
    # Which shift, when the member holds several at the post whose check-in is open;
    # without it, the member's shift at the code's post open for check-in now.
    shift_id: UUID | None = None


class CheckInView(BaseModel):
    model_config = VIEW

    check_in_id: UUID
    shift_id: UUID
    person_id: str
    post: str
    checked_in_at: datetime
    late: bool

    @classmethod
    def of(cls, record: CheckIn) -> Self:
        return cls.model_validate(record)


class HandoverForm(BaseModel):
    """交接: 当日工作情况, 遇到的问题, 未完成的工作任务, 重要提示."""

    model_config = FORM

    work_done: Annotated[Text, Field(min_length=1, max_length=NOTE_MAX_LENGTH)]
    problems: NoteText = ""
    unfinished_tasks: NoteText = ""
    important_notes: NoteText = ""

    def note(self) -> HandoverNote:
        return HandoverNote(
            work_done=self.work_done,
            problems=self.problems,
            unfinished_tasks=self.unfinished_tasks,
            important_notes=self.important_notes,
        )


class NoteView(BaseModel):
    model_config = VIEW

    work_done: str
    problems: str
    unfinished_tasks: str
    important_notes: str


class HandoverView(BaseModel):
    handover_id: UUID
    shift_id: UUID
    person_id: str
    post: str
    recorded_at: datetime
    work_done: str
    problems: str
    unfinished_tasks: str
    important_notes: str

    @classmethod
    def of(cls, record: Handover) -> Self:
        return cls(
            handover_id=record.handover_id,
            shift_id=record.shift_id,
            person_id=record.person_id,
            post=record.post,
            recorded_at=record.recorded_at,
            work_done=record.note.work_done,
            problems=record.note.problems,
            unfinished_tasks=record.note.unfinished_tasks,
            important_notes=record.note.important_notes,
        )


class ShiftHandoversView(BaseModel):
    """The handover notes of the latest shift at a post that has any, for the next shift."""

    shift_id: UUID
    post: str
    shift_starts_at: datetime
    shift_ends_at: datetime
    notes: list[HandoverView]

    @classmethod
    def of(cls, found: ShiftHandovers) -> Self:
        return cls(
            shift_id=found.shift_id,
            post=found.post,
            shift_starts_at=found.starts_at,
            shift_ends_at=found.ends_at,
            notes=[HandoverView.of(note) for note in found.notes],
        )


class LogEntryView(BaseModel):
    """A line of the duty log (值班日志): a sign-in with its time and late flag, a no-show,
    or a handover with its note."""

    model_config = VIEW

    kind: Literal["checked_in", "missed", "handover"]
    at: datetime
    shift_id: UUID
    post: str
    person_id: str
    shift_starts_at: datetime
    shift_ends_at: datetime
    late: bool | None
    handover: NoteView | None


class DutyLogPage(BaseModel):
    items: list[LogEntryView]
    limit: int
    offset: int

    @classmethod
    def listing(cls, entries: Iterable[LogEntry], paging: Paging) -> Self:
        return cls.model_validate(
            {"items": list(entries), "limit": paging.limit, "offset": paging.offset},
            from_attributes=True,
        )


class CodeView(BaseModel):
    """The sign-in code the screen shows now, as text and as an inline SVG QR code."""

    post: str
    code: str
    svg: str
    rotates_at: datetime
    rotates_in_s: float
    rotation_s: int
    # The shift on duty now, so a screen can reload when it changes.
    shift_id: UUID | None


class DeskKeyForm(BaseModel):
    model_config = FORM

    label: Annotated[Line, Field(min_length=1, max_length=200)]


class DeskKeyView(BaseModel):
    model_config = VIEW

    key_id: UUID
    post: str
    label: str
    issued_by: str
    issued_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: DeskKey) -> Self:
        return cls.model_validate(key)


class IssuedDeskKeyView(DeskKeyView):
    """A new desk key: `key` is shown only now; `page` opens the post's desk screen."""

    key: str
    page: str
