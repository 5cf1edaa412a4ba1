"""The HTTP boundary holds against any input: schemathesis, on a stack of its own.

`campusflow stack up` in a temporary state directory (PostgreSQL, Redis, Kafka and the
four services; the session's `stack_of_its_own`, which the chaos drills use first: one
start for both), the demo loaded through the APIs, then every service's OpenAPI fuzzed
as a student and as a college administrator of one college (`tools.fuzz`): the one with
the fewest rights and the one who reaches every college route. Every route gets the
schema's examples; the coverage phase's boundary cases, and the methods a path does not
declare (a 405 whatever the token), are sent in the college administrator's runs (a
student meets the same 403 on most routes); the random phase is the quick one
(`tools.fuzz.runs.QUICK`: 5 cases an operation instead of 15, each more often carrying a
hostile string or date). The
officer and the university administrator, and 15 random cases, are the full campaign,
`python3 -m tools.fuzz` (run it before a release). No answer may be a 5xx, nor break the
status codes, content types and body schemas its own document declares. On failure the
message lists each finding: route, input, broken check, and the exception the service
logged.

By hand, against a running stack: `python3 -m tools.fuzz --state-dir DIR`; with a stack
of its own: `python3 -m tools.fuzz`; this test's campaign:
`python3 -m tools.fuzz --quick --role student --role college_admin`; this test alone:
`scripts/test -m fuzz`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tools.fuzz import PERSONAS, fuzz_stack
from tools.fuzz.runs import QUICK

pytestmark = [pytest.mark.e2e, pytest.mark.fuzz, pytest.mark.slow, pytest.mark.timeout(1800)]

# The least and the most a college's people may do (a campaign of half the runs).
IN_THE_SUITE = ("student", "college_admin")


def test_no_input_makes_a_service_fail_or_break_its_own_schema(stack_of_its_own: Path) -> None:
    reports = Path(tempfile.mkdtemp(prefix="campusflow-fuzz-report-"))
    report = fuzz_stack(
        stack_of_its_own,
        reports,
        personas=[p for p in PERSONAS if p.role in IN_THE_SUITE],
        intensity=QUICK,
    )
    print(report.summary())  # shown with -rA or on failure: timings and every run
    assert not report.problems, "schemathesis could not run:\n" + "\n".join(report.problems)
    assert report.holds, (
        "the HTTP boundary does not hold; each finding needs a fix in the service "
        "(use the kernel's field types, shared.web.fields):\n\n" + report.summary()
    )
