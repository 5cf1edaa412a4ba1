"""The one real stack for the whole test session (integration and e2e tests only).

Docker engine reachable → testcontainers; otherwise PostgreSQL, Redis and the
Apache Kafka broker as local processes. `CAMPUSFLOW_TEST_STATE_DIR` reuses a
stack already started with `campusflow stack up --no-services --state-dir ...`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support import session_limit
from tests.support.last_use import LAST_USE
from tools.stack import StackEndpoints, choose_infrastructure
from tools.stack.state import recorded_endpoints


def pytest_configure(config: pytest.Config) -> None:
    """structlog's default console renderer prints an exception with rich, every frame's
    locals and all: about 5 s for one traceback through FastAPI's frames, each time a test
    app answers 500 in-process. The tests print the plain traceback instead (the services
    log JSON lines, shared/logs.py, and are not concerned)."""
    import structlog

    processors = [
        structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)
        if isinstance(processor, structlog.dev.ConsoleRenderer)
        else processor
        for processor in structlog.get_config()["processors"]
    ]
    structlog.configure(processors=processors)
    # The session's own limit, when CAMPUSFLOW_TEST_SESSION_LIMIT_S sets one (its hooks run
    # once registered: pytest_configure is replayed to a plugin registered late).
    if not config.pluginmanager.is_registered(session_limit):  # (unless -p did already)
        config.pluginmanager.register(session_limit, "campusflow-session-limit")


def pytest_collection_finish(session: pytest.Session) -> None:
    LAST_USE.plan(session.items)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    # A session resource whose last user's module this ends: stopped now.
    try:
        result = yield
    except BaseException as error:
        LAST_USE.done(item, teardown_error=error)
        raise
    LAST_USE.done(item)
    return result


@pytest.fixture(scope="session")
def stack() -> Iterator[StackEndpoints]:
    reuse = os.environ.get("CAMPUSFLOW_TEST_STATE_DIR")
    if reuse:
        endpoints = recorded_endpoints(Path(reuse))
        if endpoints is None:
            raise RuntimeError(f"no running stack recorded in {reuse}")
        yield endpoints
        return
    # Under /tmp and world-readable: PostgreSQL runs as an unprivileged user when we are root.
    state_dir = Path(tempfile.mkdtemp(prefix="campusflow-test-", dir="/tmp"))
    state_dir.chmod(0o755)
    infrastructure = choose_infrastructure(state_dir)
    endpoints = infrastructure.start()
    try:
        yield endpoints
    finally:
        infrastructure.stop()


@pytest.fixture(scope="session")
def stack_of_its_own() -> Iterator[Path]:
    """A whole stack apart from the session's (`campusflow stack up` in a temporary state
    directory: PostgreSQL, Redis, Kafka and the four services as processes), for the tests
    that kill its processes (tests/e2e/test_chaos.py) and then fill it with generated
    requests (tests/e2e/test_fuzz.py runs after the drills, on what they left). One start
    for both instead of one each; `down --purge` right after the last of them
    (tests/support/last_use.py)."""
    from tools.fuzz import own_stack

    with LAST_USE.closing("stack_of_its_own", own_stack()) as state_dir:
        yield state_dir


@pytest.fixture(scope="session")
async def service_dsns(stack: StackEndpoints) -> AsyncIterator[dict[str, str]]:
    from tools.stack.bootstrap import prepare_platform

    yield await prepare_platform(stack)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.support.figures import FIGURES

    for section, figures in FIGURES.items():
        terminalreporter.section(section)
        for name, value in figures.items():
            terminalreporter.write_line(f"{name}: {value:g}")
