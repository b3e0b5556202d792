"""Typed reads of environment variables, shared by settings.py and gunicorn.conf.py.

Imports nothing from Django. A value that cannot be what it names is an error at start-up, not
a silent default: ``DJANGO_DEBUG=ture`` stops the process instead of reading as false.
"""

from __future__ import annotations

import os

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


class EnvironmentValueError(ValueError):
    """An environment variable holds a value of the wrong kind."""


def env_bool(name: str, default: bool) -> bool:
    """A yes/no variable: 1/true/yes/on or 0/false/no/off (any case); empty = ``default``."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise EnvironmentValueError(
        f"{name}={os.environ[name]!r} is not a yes/no value; use one of "
        f"{', '.join(sorted(TRUE_WORDS | FALSE_WORDS))}."
    )


def env_int(name: str, default: int) -> int:
    """A whole-number variable; empty = ``default``."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise EnvironmentValueError(f"{name}={value!r} is not a whole number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated variable; empty = ``default``."""
    value = os.environ.get(name, "")
    if not value.strip():
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_float_list(name: str, default: list[float]) -> list[float]:
    """A comma-separated list of non-negative numbers (e.g. seconds); empty = ``default``."""
    numbers: list[float] = []
    for item in env_list(name, [str(value) for value in default]):
        try:
            number = float(item)
        except ValueError:
            raise EnvironmentValueError(f"{name}: {item!r} is not a number.") from None
        if not number >= 0 or number == float("inf"):
            raise EnvironmentValueError(f"{name}: {item!r} must be zero or more.")
        numbers.append(number)
    return numbers
