"""A bench run in-process (typer's CliRunner) reconfigures structlog (warnings only, to
whatever stderr is at the time of each line) and quiets library loggers. Put logging back
afterwards, or every later test runs with the bench's logging."""

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
