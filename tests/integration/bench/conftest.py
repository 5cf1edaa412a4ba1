"""A bench run in-process (typer's CliRunner) sends structlog to the runner's captured
stderr and quiets library loggers; the runner closes that stream when the run ends. Put
logging back afterwards, or every later test's log line raises "I/O operation on closed
file" inside the kernel's consumers."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import structlog

pytestmark = pytest.mark.integration

LOGGERS = ("faststream", "aiokafka", "faststream.access.kafka")


@pytest.fixture(autouse=True)
def logging_restored() -> Iterator[None]:
    config = structlog.get_config()
    levels = {name: logging.getLogger(name).level for name in LOGGERS}
    filters = {name: list(logging.getLogger(name).filters) for name in LOGGERS}
    yield
    structlog.configure(**config)
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(levels[name])
        logger.filters[:] = filters[name]
