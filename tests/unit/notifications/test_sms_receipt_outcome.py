"""What an Alibaba SmsReport status report says of its SMS delivery."""

from __future__ import annotations

import pytest

from services.notifications.domain.delivery import DeliveryStatus
from services.notifications.service.receipts import (
    PERMANENT_REPORT_CODES,
    SmsReceipt,
    receipt_outcome,
)

pytestmark = pytest.mark.unit


def receipt(success: bool, code: str) -> SmsReceipt:
    return SmsReceipt("1^0", "ab" * 16, "13800138000", success, code)


def test_success_is_delivered_whatever_the_code() -> None:
    assert receipt_outcome(receipt(True, "DELIVERED")) is DeliveryStatus.DELIVERED
    assert receipt_outcome(receipt(True, "")) is DeliveryStatus.DELIVERED


@pytest.mark.parametrize("code", sorted(PERMANENT_REPORT_CODES))
def test_a_number_that_cannot_receive_bounces(code: str) -> None:
    assert receipt_outcome(receipt(False, code)) is DeliveryStatus.BOUNCED
    assert receipt_outcome(receipt(False, f" {code.lower()} ")) is DeliveryStatus.BOUNCED


@pytest.mark.parametrize("code", ["PHONE_OFF", "UNKNOWN", "", "MK:0005", "TIMEOUT"])
def test_other_failures_fail_without_being_called_bounces(code: str) -> None:
    assert receipt_outcome(receipt(False, code)) is DeliveryStatus.FAILED
