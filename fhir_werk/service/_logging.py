"""Structured logs: one JSON object per line on stderr, for ``serve`` and ``worker``.

A log line has the time, level, logger and message, and for an error the exception's *type*
only: a traceback or an exception's text can quote answers or identifiers of a patient, so
neither is ever written. What the service itself logs names jobs, targets and routes, never
patients (see :mod:`~fhir_werk.service.outbox._worker`, :mod:`~fhir_werk.service.core._errors`); uvicorn's
access log stays off.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Final

_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line, without traceback or exception text."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as ``{"time", "level", "logger", "message"[, "exception"]}``."""
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


def log_config(level: str = "WARNING") -> dict[str, Any]:
    """A :func:`logging.config.dictConfig` (also uvicorn's ``log_config``): JSON on stderr for
    fhir-werk's and uvicorn's loggers."""
    chosen = level.upper() if level.upper() in _LEVELS else "WARNING"
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": handler},
        "loggers": {
            name: {"handlers": ["stderr"], "level": chosen, "propagate": False}
            for name in ("fhir_werk", "uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
