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


def pytest_run(
    test: Path, env: dict[str, str], options: tuple[str, ...] = ()
) -> tuple[int, str, float]:
    """pytest on `test` alone (no project settings, no other plugin), with the plugin;
    its exit code, output and time."""
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(test),
            *ISOLATED,
            *options,
            "--rootdir",
            str(test.parent),
        ],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("CAMPUSFLOW_TEST_")}
        | {"PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        | env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


ASYNC_HANGING = """
import asyncio


async def waits_for_good():
    await asyncio.Event().wait()


def test_hangs_in_a_coroutine():
    asyncio.run(waits_for_good())
"""


def run_session(
    tmp_path: Path, *, ignore_interrupt: bool, options: tuple[str, ...] = (), **env: str
) -> tuple[int, str, float]:
    test = tmp_path / "test_hanging.py"
    test.write_text(HANGING.format(ignore_interrupt=ignore_interrupt))
    return pytest_run(test, env, options)


def test_a_session_past_its_limit_is_interrupted_with_every_stack(tmp_path: Path) -> None:
    code, output, took = run_session(
        tmp_path, ignore_interrupt=False, CAMPUSFLOW_TEST_SESSION_LIMIT_S="2"
    )
    assert code == pytest.ExitCode.INTERRUPTED, output
    assert "the test session ran past its limit of 2 s" in output
    assert "time.sleep(600)" in output  # the main thread's stack, where it hangs
    assert took < 60


def test_an_async_hang_shows_where_its_task_waits(tmp_path: Path) -> None:
    test = tmp_path / "test_async_hang.py"
    test.write_text(ASYNC_HANGING)
    code, output, took = pytest_run(test, {"CAMPUSFLOW_TEST_SESSION_LIMIT_S": "2"})
    assert code == pytest.ExitCode.INTERRUPTED, output
    assert "pending asyncio task(s)" in output
    assert "in waits_for_good" in output  # the coroutine's own frame, not just the select
    assert took < 60


def test_in_an_xdist_worker_the_stacks_reach_the_output(tmp_path: Path) -> None:
    code, output, took = run_session(
        tmp_path,
        ignore_interrupt=False,
        options=("-p", "xdist.plugin", "-p", "xdist.looponfail", "-n", "1"),
        CAMPUSFLOW_TEST_SESSION_LIMIT_S="3",
    )
    assert code != 0, output
    assert "time.sleep(600)" in output  # from the worker, where it hangs
    assert took < 60


def test_without_a_terminal_it_still_interrupts(tmp_path: Path) -> None:
    code, output, took = run_session(
        tmp_path,
        ignore_interrupt=False,
        options=("-p", "no:terminal"),
        CAMPUSFLOW_TEST_SESSION_LIMIT_S="2",
    )
    assert code == pytest.ExitCode.INTERRUPTED, output
    assert "time.sleep(600)" in output  # written to standard error instead
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
