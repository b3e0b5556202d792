"""Structured logging: one JSON object per line, tagged with the request id and generation id.

This module imports nothing from Django, so gunicorn's master can load the formatter from
`gunicorn.conf.py` before any Django setup.

Privacy: a line carries ids, never image bytes or personal data. Only whitelisted ``extra``
fields are written; byte strings among the message arguments are replaced by their length.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "lightsb_request_id", default=None
)
generation_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "lightsb_generation_id", default=None
)

# Fields a caller may pass with ``logger.info(..., extra={...})``. Anything else is dropped, so
# a careless ``extra={"email": ...}`` cannot leak into the logs.
ALLOWED_EXTRA_FIELDS = frozenset(
    {
        "request_id",
        "generation_id",
        "job_id",
        "task_id",
        "user_id",
        "direction",
        "status",
        "status_code",
        "code",
        "stage",
        "variants",
        "duration_ms",
        "method",
        "route",
        "worker_id",
        "check",
    }
)
MAX_MESSAGE_CHARS = 4000
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def is_safe_request_id(value: str | None) -> bool:
    """True for an id we may echo into headers and logs (no spaces, quotes or newlines)."""
    return bool(value) and bool(_SAFE_REQUEST_ID.match(value or ""))


@contextmanager
def bind_generation(generation_id: object) -> Iterator[None]:
    """Tag every log line written inside the block with ``generation_id``.

    The job runner wraps one generation in it, so engine and storage lines can be traced back.
    """
    token = generation_id_var.set(str(generation_id))
    try:
        yield
    finally:
        generation_id_var.reset(token)


def _redact(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes>"
    return value


def _message(record: logging.LogRecord) -> str:
    args = record.args
    if isinstance(args, tuple):
        record.args = tuple(_redact(arg) for arg in args)
    elif isinstance(args, Mapping):
        record.args = {key: _redact(value) for key, value in args.items()}
    message = record.getMessage()
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS] + "…"
    return message


def _access_fields(atoms: Mapping[str, Any]) -> dict[str, Any]:
    """Pick what we keep from one gunicorn access-log record (its args are the atoms)."""
    request_id = atoms.get("{x-request-id}o")
    fields: dict[str, Any] = {
        "method": atoms.get("m"),
        "path": atoms.get("U"),
        "status_code": _int_or_none(atoms.get("s")),
        "duration_ms": _int_or_none(atoms.get("M")),
        "bytes": _int_or_none(atoms.get("B")),
    }
    if is_safe_request_id(request_id):
        fields["request_id"] = request_id
    return {key: value for key, value in fields.items() if value not in (None, "-")}


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class JsonFormatter(logging.Formatter):
    """Format a record as a single JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        created = datetime.fromtimestamp(record.created, tz=UTC)
        payload: dict[str, Any] = {
            "time": created.isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            payload["message"] = "request"
            payload.update(_access_fields(record.args))
        else:
            payload["message"] = _message(record)
        for field in ALLOWED_EXTRA_FIELDS:
            value = getattr(record, field, None)
            if value not in (None, "-") and field not in payload:
                payload[field] = _redact(value) if not isinstance(value, int | float) else value
        request_id = request_id_var.get()
        if request_id and "request_id" not in payload:
            payload["request_id"] = request_id
        generation_id = generation_id_var.get()
        if generation_id and "generation_id" not in payload:
            payload["generation_id"] = generation_id
        if record.exc_info:
            payload["error"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            payload["traceback"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


class ContextFilter(logging.Filter):
    """Copy the current request id and generation id onto records (for the plain format)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get() or "-"
        if not hasattr(record, "generation_id"):
            record.generation_id = generation_id_var.get() or "-"
        return True


class OneLineWarningFilter(logging.Filter):
    """Turn a record into one WARNING line without its traceback (for expected client errors,
    such as Django's DisallowedHost, which it logs as an ERROR with a full stack)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.levelno = logging.WARNING
        record.levelname = "WARNING"
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        record.msg = " ".join(str(record.getMessage()).split())[:300]
        record.args = ()
        return True
