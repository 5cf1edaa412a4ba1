"""The college the evaluation e2e tests work in: a code of their own, fresh each session
(as `similarity_support.unique_college` gives one per test), never the demo's `cs`.

The similarity gate compares a report with every earlier report of its college, so the
seed-text reports these tests file under the demo's college would flag the demo season's
own reports (tests/e2e/evaluation/test_full_season.py, the only test in `cs`).
"""

from __future__ import annotations

from uuid import uuid4

COLLEGE = f"ev-{uuid4().hex[:10]}"
