"""JSON logs on stdout, one object per line, for structlog and stdlib alike.

Library loggers (uvicorn, aiokafka, faststream) go through the same formatter,
so a log shipper sees a single format and every line names its service.
"""

from __future__ import annotations

import logging
import sys

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

# Marks the handler we install, so calling configure_logging again replaces it
# instead of adding a second one (which would print every line twice).
_HANDLER_NAME = "campusflow-json"

# Their own handlers are removed so records propagate to our root handler.
LIBRARY_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "aiokafka", "faststream")


def _add_service(service: str) -> Processor:
    def add_service(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", service)
        return event_dict

    return add_service


def _parse_level(level: str) -> int:
    numeric = logging.getLevelNamesMapping().get(level.upper())
    if numeric is None:
        raise ValueError(f"unknown log level {level!r}")
    return numeric


def configure_logging(service: str, level: str = "INFO") -> None:
    """Route all logging to stdout as JSON. Safe to call more than once.

    Run uvicorn with `log_config=None`, or it re-installs its own handlers.
    """
    numeric_level = _parse_level(level)
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service(service),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        # Not cached: a logger used before configure_logging would otherwise
        # keep the default console config for the life of the process.
        cache_logger_on_first_use=False,
    )

    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)

    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == _HANDLER_NAME:
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(numeric_level)

    for name in LIBRARY_LOGGERS:
        library_logger = logging.getLogger(name)
        library_logger.handlers.clear()
        library_logger.propagate = True
    # Our middleware writes the access log (with request id and route); uvicorn's
    # own would be a second, poorer line for every request.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
