"""Dropout cases (辍学) on the beneficiary register: the rules of reporting a child who
stopped attending school and of recording their return (返校).

A case is reported with the deadline by which the child should be back (`return_by`:
after the report, at most MAX_RETURN_WINDOW ahead); a child has at most one open case;
a return is recorded only on an open case, and not before it was reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from services.recruitment.domain.rules import RuleBroken

MAX_RETURN_WINDOW = timedelta(days=180)


@dataclass(frozen=True)
class DropoutCase:
    case_id: UUID
    college: str
    beneficiary_id: UUID
    school_id: str
    county: str
    note: str
    reported_by: str
    reported_at: datetime
    return_by: datetime
    returned_at: datetime | None = None
    returned_by: str | None = None

    @property
    def open(self) -> bool:
        return self.returned_at is None


def check_return_by(return_by: datetime, *, now: datetime) -> None:
    if return_by <= now:
        raise RuleBroken(
            "return_by_ahead",
            field="return_by",
            message="the return-to-school deadline must be after now",
            invalid=True,
        )
    if return_by - now > MAX_RETURN_WINDOW:
        raise RuleBroken(
            "return_by_window",
            field="return_by",
            message=f"the return-to-school deadline is at most {MAX_RETURN_WINDOW.days} days ahead",
            invalid=True,
        )


def one_open_case_broken(beneficiary_id: UUID) -> RuleBroken:
    return RuleBroken(
        "one_open_dropout_case",
        field="beneficiary_id",
        message=f"child {beneficiary_id} already has an open dropout case",
    )


def no_open_case_broken(beneficiary_id: UUID) -> RuleBroken:
    return RuleBroken(
        "open_dropout_case",
        field="beneficiary_id",
        message=f"child {beneficiary_id} has no open dropout case to close",
    )


def check_returned_at(case: DropoutCase, returned_at: datetime, *, now: datetime) -> None:
    if returned_at < case.reported_at or returned_at > now:
        raise RuleBroken(
            "returned_at_in_case",
            field="returned_at",
            message="the return must lie between the dropout report and now",
            invalid=True,
        )
