"""A limit on a whole test session: a pytest plugin (tests/conftest.py registers it; or
`-p tests.support.session_limit`), armed by CAMPUSFLOW_TEST_SESSION_LIMIT_S (scripts/test
sets it for each of its runs; CAMPUSFLOW_TEST_SESSION_GRACE_S, default 180 s, is the
grace).

pytest-timeout bounds each test, but once it has fired in a test, that test's teardown
runs without a limit: a fixture that then waits for a task the timeout left stuck
(asyncpg's pool.close() waits for every connection to come back) would hold CI until its
own limit, saying nothing. Past the limit this prints every thread's stack and
interrupts the session (as Ctrl-C would: its fixtures are torn down, the summary
printed); if it has not ended after the grace, it prints them again and exits (3)."""

from __future__ import annotations

import asyncio
import gc
import io
import os
import signal
import sys
import threading
import traceback

import pytest

LIMIT_VARIABLE = "CAMPUSFLOW_TEST_SESSION_LIMIT_S"
GRACE_VARIABLE = "CAMPUSFLOW_TEST_SESSION_GRACE_S"
GRACE_S = 180.0
_ARMED = pytest.StashKey["SessionLimit"]()


def pytest_configure(config: pytest.Config) -> None:
    limit = SessionLimit.from_environment(config)
    if limit is not None:
        config.stash[_ARMED] = limit
        limit.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    limit = config.stash.get(_ARMED, None)
    if limit is not None:
        limit.stop()


def _seconds(variable: str, default: float | None) -> float | None:
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        raise pytest.UsageError(f"{variable} must be seconds, not {value!r}") from None
    if seconds <= 0:
        raise pytest.UsageError(f"{variable} must be positive, not {value!r}")
    return seconds


class SessionLimit:
    def __init__(self, config: pytest.Config, limit_s: float, grace_s: float = GRACE_S) -> None:
        self._config = config
        self._limit_s = limit_s
        self._grace_s = grace_s
        self._over = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="session-limit", daemon=True)

    @classmethod
    def from_environment(cls, config: pytest.Config) -> SessionLimit | None:
        limit_s = _seconds(LIMIT_VARIABLE, None)
        if limit_s is None:
            return None
        return cls(config, limit_s, _seconds(GRACE_VARIABLE, GRACE_S) or GRACE_S)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._over.set()

    def _watch(self) -> None:
        if self._over.wait(self._limit_s):
            return
        self._report(f"the test session ran past its limit of {self._limit_s:.0f} s")
        os.kill(os.getpid(), signal.SIGINT)
        if self._over.wait(self._grace_s):
            return
        self._report(f"the interrupted session did not end within {self._grace_s:.0f} s")
        os._exit(3)

    def _report(self, why: str) -> None:
        """Every thread's stack and every pending asyncio task's (where an async test or
        fixture waits: the thread running the loop only shows the loop's select). Never
        raises: the interrupt and the exit after it must come whatever happens here."""
        try:
            text = f"{why} ({LIMIT_VARIABLE})\n{_stacks()}"
        except Exception as error:
            text = f"{why} ({LIMIT_VARIABLE}); the stacks could not be taken: {error!r}\n"
        try:
            capture = self._config.pluginmanager.getplugin("capturemanager")
            if capture is not None:
                capture.suspend_global_capture(in_=True)
        except Exception:
            pass
        # An xdist worker's standard output goes nowhere: its standard error is kept.
        if not hasattr(self._config, "workerinput"):
            try:
                terminal = self._config.get_terminal_writer()
                terminal.write("\n" + text)
                terminal.flush()
                return
            except Exception:
                pass
        try:
            sys.__stderr__.write("\n" + text)
            sys.__stderr__.flush()
        except Exception:
            pass


MAX_TASKS = 40


def _stacks() -> str:
    parts = []
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    for ident, frame in sys._current_frames().items():
        if ident == threading.get_ident():
            continue
        parts.append(f"{'~' * 20} thread {names.get(ident, '?')} ({ident})\n")
        parts.append("".join(traceback.format_stack(frame)))
    loops = [
        o for o in gc.get_objects() if isinstance(o, asyncio.AbstractEventLoop) and o.is_running()
    ]
    for loop in loops:
        tasks = list(asyncio.all_tasks(loop))
        parts.append(f"{'~' * 20} {len(tasks)} pending asyncio task(s) of {loop!r}\n")
        for task in tasks[:MAX_TASKS]:
            stack = io.StringIO()
            task.print_stack(file=stack)
            parts.append(stack.getvalue())
    return "".join(parts)
