"""The test session's own limit (tests/support/session_limit.py), on a pytest run of its
own: a teardown that hangs for good is interrupted past the limit, its stack printed;
a session that ignores the interrupt is ended after the grace."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import cast

import pytest

from tests.support import session_limit

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
ISOLATED = ["-p", "tests.support.session_limit", "-p", "no:cacheprovider", "-c", os.devnull]
HANGING = """
import signal
import time

import pytest


@pytest.fixture
def stuck():
    yield
    if {ignore_interrupt}:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    time.sleep(600)  # a teardown that never ends


def test_passes_then_hangs_in_teardown(stuck):
    pass
"""


def pytest_run(test: Path, env: dict[str, str]) -> tuple[int, str, float]:
    """pytest on `test` alone (no project settings, no other plugin), with the plugin;
    its exit code, output and time."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(test), *ISOLATED, "--rootdir", str(test.parent)],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("CAMPUSFLOW_TEST_")}
        | {"PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        | env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


def run_session(tmp_path: Path, *, ignore_interrupt: bool, **env: str) -> tuple[int, str, float]:
    test = tmp_path / "test_hanging.py"
    test.write_text(HANGING.format(ignore_interrupt=ignore_interrupt))
    return pytest_run(test, env)


def test_a_session_past_its_limit_is_interrupted_with_every_stack(tmp_path: Path) -> None:
    code, output, took = run_session(
        tmp_path, ignore_interrupt=False, CAMPUSFLOW_TEST_SESSION_LIMIT_S="2"
    )
    assert code == pytest.ExitCode.INTERRUPTED, output
    assert "the test session ran past its limit of 2 s" in output
    assert "time.sleep(600)" in output  # the main thread's stack, where it hangs
    assert took < 60


def test_a_session_that_ignores_the_interrupt_is_ended_after_the_grace(tmp_path: Path) -> None:
    code, output, took = run_session(
        tmp_path,
        ignore_interrupt=True,
        CAMPUSFLOW_TEST_SESSION_LIMIT_S="2",
        CAMPUSFLOW_TEST_SESSION_GRACE_S="2",
    )
    assert code == 3, output
    assert "did not end within 2 s" in output
    assert took < 60


def test_without_the_variable_nothing_is_armed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(session_limit.LIMIT_VARIABLE, raising=False)
    assert session_limit.SessionLimit.from_environment(cast(pytest.Config, None)) is None


@pytest.mark.parametrize("value", ["soon", "0", "-5"])
def test_a_limit_that_is_not_positive_seconds_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(session_limit.LIMIT_VARIABLE, value)
    with pytest.raises(pytest.UsageError, match="CAMPUSFLOW_TEST_SESSION_LIMIT_S must be"):
        session_limit.SessionLimit.from_environment(cast(pytest.Config, None))
