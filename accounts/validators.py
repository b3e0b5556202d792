"""Field rules shared by forms, serializers and models."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone

USERNAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{1,28})[A-Za-z0-9]$")
MIN_AGE_YEARS = 13
MAX_AGE_YEARS = 120


def validate_username(value: str) -> None:
    if not USERNAME_RE.match(value or ""):
        raise ValidationError(
            "Use 3-30 characters: letters, digits, '.', '-' or '_', "
            "starting and ending with a letter or digit.",
            code="invalid_username",
        )
    if "@" in value:
        raise ValidationError("A username cannot contain '@'.", code="invalid_username")


def validate_email_domain(value: str) -> None:
    """Refuse addresses whose domain has no dot (``x@localhost``): mail cannot reach them.

    Django's ``EmailValidator`` allows ``localhost`` on purpose; a public sign-up must not.
    """
    domain = (value or "").rpartition("@")[2]
    labels = domain.split(".")
    if len(labels) < 2 or not all(labels):
        raise ValidationError(
            "Enter an email address with a full domain, like name@example.com.",
            code="invalid_email_domain",
        )


def validate_full_name(value: str) -> None:
    """Letters of any script, spaces, hyphens, apostrophes and full stops; 2-150 characters.

    Full stops are for initials and suffixes: "J. R. R. Tolkien", "Martin Luther King Jr.".
    """
    if value == "":
        return
    stripped = value.strip()
    if len(stripped) < 2 or len(value) > 150:
        raise ValidationError("A full name has 2 to 150 characters.", code="invalid_length")
    for char in stripped:
        if char in " -.'\u2019":  # \u2019: the typographic apostrophe
            continue
        category = unicodedata.category(char)
        # L* = letters of any script; M* = combining marks used by many scripts.
        if not (category.startswith("L") or category.startswith("M")):
            raise ValidationError(
                "Use letters, spaces, hyphens, apostrophes and full stops only.",
                code="invalid_characters",
            )
    if not any(unicodedata.category(c).startswith("L") for c in stripped):
        raise ValidationError("A full name needs at least one letter.", code="invalid_characters")


def _age_on(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def validate_date_of_birth(value: dt.date | None) -> None:
    if value is None:
        return
    today = timezone.localdate()
    if value > today:
        raise ValidationError("The date of birth cannot be in the future.", code="future_date")
    age = _age_on(value, today)
    if age < MIN_AGE_YEARS:
        raise ValidationError(f"You must be at least {MIN_AGE_YEARS} years old.", code="too_young")
    if age > MAX_AGE_YEARS:
        raise ValidationError(
            f"Please enter an age of at most {MAX_AGE_YEARS} years.", code="too_old"
        )
