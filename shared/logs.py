"""JSON logs on stdout, one object per line, for structlog and stdlib alike.

Library loggers (uvicorn, aiokafka, faststream) go through the same formatter,
so a log shipper sees a single format and every line names its service.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

# Marks the handler we install, so calling configure_logging again replaces it
# instead of adding a second one (which would print every line twice).
_HANDLER_NAME = "campusflow-json"

# Their own handlers are removed so records propagate to our root handler.
LIBRARY_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "aiokafka", "faststream")


# Kafka clients log every failed connection attempt, several per second per connection
# while a broker restarts (thousands of lines in half a minute).
NOISY_LOGGERS = ("aiokafka", "faststream")
COLLAPSE_INTERVAL_S = 10.0


@dataclass
class _Window:
    opened: float
    suppressed: int = 0


class CollapseRepeats(logging.Filter):
    """Lets one record per interval through for each (logger, message template) of the
    noisy libraries at WARNING and above, as a WARNING, without its traceback, saying how
    many like it were held back since the last one.

    Keyed by the template (`record.msg`), not the formatted text, so "Unable connect to
    node 1: [Errno 111]" and the same with another errno count as one kind.
    """

    def __init__(
        self,
        *,
        prefixes: tuple[str, ...] = NOISY_LOGGERS,
        interval_s: float = COLLAPSE_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._prefixes = prefixes
        self._interval_s = interval_s
        self._clock = clock
        self._windows: dict[tuple[str, str], _Window] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or not record.name.startswith(self._prefixes):
            return True
        key = (record.name, str(record.msg))
        now = self._clock()
        window = self._windows.get(key)
        if window is not None and now - window.opened < self._interval_s:
            window.suppressed += 1
            return False
        if len(self._windows) > 1000:  # templates are few; this only bounds a surprise
            self._windows.clear()
        self._windows[key] = _Window(opened=now)
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:  # the error's one line instead of its traceback
            record.msg = f"{record.msg} [{_literal(repr(error)[:300], record)}]"
        record.exc_info, record.exc_text = None, None
        if window is not None and window.suppressed:
            record.msg = f"{record.msg} ({window.suppressed} more like it held back)"
        return True


def _literal(text: str, record: logging.LogRecord) -> str:
    """`text` as it must stand in `record.msg` to print as itself."""
    return text.replace("%", "%%") if record.args else text


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
    handler.addFilter(CollapseRepeats())

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
