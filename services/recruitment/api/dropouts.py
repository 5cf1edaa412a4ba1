"""Dropout cases on the beneficiary register (officers and college admins of the
college): report a child who stopped attending school, record their return, list a
child's cases."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, status

from services.recruitment.api.common import PREFIX
from services.recruitment.schemas.dropouts import (
    DropoutCaseList,
    DropoutCaseView,
    DropoutReport,
    ReturnRecord,
)
from services.recruitment.service import dropouts as service
from shared.web.auth import Principal
from shared.web.dependencies import College, Now, ReadOnly, Transaction, caller

router = APIRouter(prefix=PREFIX, tags=["beneficiaries"])

Custodian = Annotated[Principal, Depends(caller("officer", "college_admin"))]
CASES = "/colleges/{college}/beneficiaries/{beneficiary_id}"


@router.post(
    f"{CASES}/dropout",
    status_code=status.HTTP_201_CREATED,
    summary="Report that a child stopped attending school (辍学), with a return deadline; "
    "emits PupilDroppedOut",
)
async def report_dropout(
    college: College,
    beneficiary_id: UUID,
    body: DropoutReport,
    principal: Custodian,
    conn: Transaction,
    now: Now,
) -> DropoutCaseView:
    case = await service.report_dropout(
        conn,
        college=college,
        beneficiary_id=beneficiary_id,
        return_by=body.return_by,
        note=body.note,
        reported_by=principal.user_id,
        now=now,
    )
    return DropoutCaseView.model_validate(case)


@router.post(
    f"{CASES}/return",
    summary="Record that a child is back at school (返校); emits PupilReturnedToSchool",
)
async def record_return(
    college: College,
    beneficiary_id: UUID,
    body: ReturnRecord,
    principal: Custodian,
    conn: Transaction,
    now: Now,
) -> DropoutCaseView:
    case = await service.record_return(
        conn,
        college=college,
        beneficiary_id=beneficiary_id,
        returned_at=body.returned_at,
        recorded_by=principal.user_id,
        now=now,
    )
    return DropoutCaseView.model_validate(case)


@router.get(f"{CASES}/dropouts", summary="A child's dropout cases, newest first")
async def list_cases(
    college: College, beneficiary_id: UUID, principal: Custodian, conn: ReadOnly
) -> DropoutCaseList:
    cases = await service.cases_of_child(conn, college=college, beneficiary_id=beneficiary_id)
    return DropoutCaseList(items=[DropoutCaseView.model_validate(c) for c in cases])
