"""API fuzzing of the running platform with schemathesis.

`python3 -m tools.fuzz` starts a stack of its own (`campusflow stack up` in a temporary
state directory), loads the demo, fuzzes every service's OpenAPI as a student, an
officer and a college administrator of one college and as a university administrator,
stops the stack, and exits 1 listing each finding (route, input, check, and the
exception the service logged). `--state-dir DIR` fuzzes a stack already running there.
The pytest test `tests/e2e/test_fuzz.py` (marker `fuzz`) runs the same.
"""

from tools.fuzz.campaign import FuzzReport, fuzz_stack, own_stack
from tools.fuzz.findings import Finding, describe
from tools.fuzz.runs import PERSONAS, Persona

__all__ = ["PERSONAS", "Finding", "FuzzReport", "Persona", "describe", "fuzz_stack", "own_stack"]
