"""configure_logging: JSON lines on stdout for structlog and stdlib loggers alike."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime

import pytest
import structlog

from shared.logs import configure_logging

pytestmark = pytest.mark.unit


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("uvicorn.access").setLevel(logging.NOTSET)
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.usefixtures("restore_logging")
def test_structlog_and_stdlib_share_one_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("recruitment", "INFO")
    configure_logging("recruitment", "INFO")  # idempotent: still one line per event

    with structlog.contextvars.bound_contextvars(request_id="req-1"):
        structlog.get_logger("campusflow.test").info("shift_booked", shift_id=7)
        logging.getLogger("uvicorn.error").warning("worker %s restarted", 3)
    structlog.get_logger().debug("below the level")
    logging.getLogger("uvicorn.access").info("GET / 200")  # our middleware logs access

    lines = json_lines(capsys.readouterr().out)
    assert len(lines) == 2
    ours, uvicorn = lines
    assert ours["event"] == "shift_booked"
    assert ours["shift_id"] == 7
    assert ours["service"] == "recruitment"
    assert ours["level"] == "info"
    assert ours["request_id"] == "req-1"
    assert datetime.fromisoformat(str(ours["timestamp"])).tzinfo is not None
    assert uvicorn["event"] == "worker 3 restarted"
    assert uvicorn["service"] == "recruitment"
    assert uvicorn["level"] == "warning"
    assert uvicorn["logger"] == "uvicorn.error"
    assert uvicorn["request_id"] == "req-1"


@pytest.mark.usefixtures("restore_logging")
def test_exceptions_are_rendered_into_the_json(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("evaluation", "DEBUG")
    try:
        raise ValueError("bad input")
    except ValueError:
        structlog.get_logger().exception("failed")
    [line] = json_lines(capsys.readouterr().out)
    assert line["level"] == "error"
    assert "ValueError: bad input" in str(line["exception"])


def test_unknown_level_is_rejected() -> None:
    with pytest.raises(ValueError, match="LOUD"):
        configure_logging("x", "LOUD")
