"""The calibration view as the API shows it: unbounded intervals become null, never a
number JSON cannot carry, and nothing of the estimate is dropped."""

from __future__ import annotations

import json
import math
from uuid import uuid4

import pytest

from services.evaluation.domain.calibration import Review, calibrate
from services.evaluation.schemas.reviews import CalibrationView

pytestmark = pytest.mark.unit


def test_without_spare_degrees_of_freedom_the_bounds_are_null() -> None:
    a, b = str(uuid4()), str(uuid4())
    found = calibrate([Review(a, "v1", 70.0), Review(b, "v2", 80.0)])
    assert found.noise_sd is None and math.isinf(found.reports[0].high)
    view = CalibrationView.of("2026-autumn", found)
    shown = json.loads(view.model_dump_json())
    assert [(r["low"], r["high"], r["standard_error"]) for r in shown["reports"]] == [
        (None, None, None),
        (None, None, None),
    ]
    assert sorted(r["raw_mean"] for r in shown["reports"]) == [70.0, 80.0]
    assert shown["noise_sd"] is None and len(shown["reviewers"]) == 2


def test_known_bounds_are_shown_as_they_are() -> None:
    reports = [str(uuid4()) for _ in range(3)]
    reviews = [
        Review(r, v, 60.0 + 5 * i + (4 if v == "lenient" else 0) + (1 if (i + j) % 2 else -1))
        for i, r in enumerate(reports)
        for j, v in enumerate(("lenient", "fair", "severe"))
    ]
    found = calibrate(reviews)
    view = CalibrationView.of("2026-autumn", found)
    for shown, want in zip(view.reports, found.reports, strict=True):
        assert (shown.low, shown.calibrated, shown.high) == (want.low, want.calibrated, want.high)
        assert shown.raw_mean == want.raw_mean and shown.reviews == 3
    assert {b.reviewer_id: b.bias for b in view.reviewers} == {
        b.reviewer_id: b.bias for b in found.reviewers
    }
