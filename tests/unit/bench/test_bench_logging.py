"""The bench's logging writes to stderr as it is at each line: a stream swapped in for a
run (typer's CliRunner captures stderr) and closed afterwards is never written to again."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator

import pytest
import structlog

from tools.cli.bench import _quiet_libraries

pytestmark = pytest.mark.unit


@pytest.fixture
def restored() -> Iterator[None]:
    config = structlog.get_config()
    yield
    structlog.configure(**config)


def test_a_line_goes_to_the_stderr_of_its_moment_and_a_closed_one_is_left_alone(
    restored: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _quiet_libraries()
    log = structlog.get_logger("bench-test")
    during = io.StringIO()
    monkeypatch.setattr(sys, "stderr", during)
    log.warning("during the run")
    log.info("below the bench's level")
    assert "during the run" in during.getvalue()
    assert "below the bench's level" not in during.getvalue()
    during.close()
    after = io.StringIO()
    monkeypatch.setattr(sys, "stderr", after)
    log.warning("after the run")  # no "I/O operation on closed file"
    assert "after the run" in after.getvalue()
