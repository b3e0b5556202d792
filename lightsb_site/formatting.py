"""How durations and moments read, in messages, pages and JSON (one place for each)."""

from __future__ import annotations

import math
from datetime import date


def format_duration(seconds: float | None) -> str:
    """A measured duration: 1.4 -> "1.4 s", 75 -> "1 min 15 s", 3720 -> "1 h 2 min"."""
    if seconds is None:
        return "—"
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{round(seconds)} s"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if secs else f"{minutes} min"


def format_wait(seconds: int) -> str:
    """A wait, rounded up to its largest unit ("try again in 3 h"): never shorter than it is."""
    if seconds >= 3600:
        return f"{math.ceil(seconds / 3600)} h"
    if seconds >= 60:
        return f"{math.ceil(seconds / 60)} min"
    return f"{seconds} s"


def isoformat_or_none(value: date | None) -> str | None:
    """A day or a moment for JSON (archives, exports)."""
    return value.isoformat() if value else None
