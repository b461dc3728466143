"""Structured logs: one JSON object per line, the actor's name bound per task.

Supervisor runners bind ``actor`` and ``incarnation`` with structlog's
contextvars at the top of every actor task; trio gives each task a copy of its
parent's context, so every line an actor logs names it, and nothing leaks
between actors. Rendering goes through one reused msgspec encoder, which also
writes Decimals and Structs as they are.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import msgspec
import structlog

__all__ = ["configure_logging"]

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


def configure_logging(level: str = "info", stream: TextIO | None = None) -> None:
    """Send JSON log lines at ``level`` and above to ``stream`` (stderr by default)."""
    if level not in _LEVELS:
        raise ValueError(f"log level must be one of {sorted(_LEVELS)}, not {level!r}")
    encoder = msgspec.json.Encoder(enc_hook=str)

    def render(_: Any, __: str, event: MutableMapping[str, Any]) -> str:
        return encoder.encode(event).decode()

    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.dict_tracebacks,
            render,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS[level]),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        cache_logger_on_first_use=False,
    )
