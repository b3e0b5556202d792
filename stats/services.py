"""Writes for usage statistics."""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import F, FloatField, Value
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone

from stats.models import UsageRecord, UsageStats

if TYPE_CHECKING:
    from accounts.models import User


def usage_stats_record(
    *, user: User, images_count: int, processing_seconds: float, used_at: datetime | None = None
) -> None:
    """Count one finished generation job for ``user``.

    One UPDATE computes every new value from the row's current values inside the database,
    so concurrent jobs never overwrite each other (no read-modify-write in Python). The mean
    is incremental: avg_n = avg_{n-1} + (x - avg_{n-1}) / n, with no history stored.
    """
    if isinstance(images_count, bool) or not isinstance(images_count, int) or images_count < 0:
        raise ValueError("images_count must be a non-negative integer")
    seconds = float(processing_seconds)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError("processing_seconds must be a finite, non-negative number")
    used_at = used_at or timezone.now()

    # Users made outside registration may lack a row; get_or_create is race-safe on the
    # one-to-one's unique constraint.
    UsageStats.objects.get_or_create(user=user)
    UsageStats.objects.filter(user=user).update(
        usage_count=F("usage_count") + 1,
        images_count=F("images_count") + images_count,
        # Jobs can finish out of order; keep the latest moment.
        last_used_at=Greatest(Coalesce(F("last_used_at"), Value(used_at)), Value(used_at)),
        avg_processing_seconds=F("avg_processing_seconds")
        + (Value(seconds, output_field=FloatField()) - F("avg_processing_seconds"))
        / Cast(F("usage_count") + 1, FloatField()),
    )


def usage_record_accept(*, user: User, generation_id: uuid.UUID, accepted_at: datetime) -> None:
    """Append the record of one accepted job (what the daily quota counts)."""
    UsageRecord.objects.create(user=user, generation_id=generation_id, accepted_at=accepted_at)
