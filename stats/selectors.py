"""Reads and human-friendly formatting for usage statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from lightsb_site.formatting import format_duration
from stats.models import UsageStats

if TYPE_CHECKING:
    from accounts.models import User


def usage_stats_get(*, user: User) -> UsageStats:
    # Users made by createsuperuser have no row yet; show zeros rather than fail.
    stats, _ = UsageStats.objects.get_or_create(user=user)
    return stats


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


def format_ago(moment: datetime | None, *, now: datetime | None = None) -> str:
    """A past moment as "just now", "5 minutes ago", "3 days ago" ..."""
    if moment is None:
        return "never"
    seconds = ((now or timezone.now()) - moment).total_seconds()
    if seconds < 45:
        return "just now"
    for limit, size, unit in (
        (3600, 60, "minute"),
        (86_400, 3600, "hour"),
        (30 * 86_400, 86_400, "day"),
        (365 * 86_400, 30 * 86_400, "month"),
    ):
        if seconds < limit:
            return f"{_plural(max(1, int(seconds // size)), unit)} ago"
    return f"{_plural(max(1, int(seconds // (365 * 86_400))), 'year')} ago"


@dataclass(frozen=True)
class UsageSummary:
    usage_count: int
    images_count: int
    last_used_at: datetime | None
    last_used_ago: str
    avg_processing_seconds: float
    avg_processing_display: str


def usage_summary(*, user: User) -> UsageSummary:
    stats = usage_stats_get(user=user)
    return UsageSummary(
        usage_count=stats.usage_count,
        images_count=stats.images_count,
        last_used_at=stats.last_used_at,
        last_used_ago=format_ago(stats.last_used_at),
        avg_processing_seconds=stats.avg_processing_seconds,
        avg_processing_display=(
            format_duration(stats.avg_processing_seconds) if stats.usage_count else "—"
        ),
    )


def usage_accepted_since(*, user: User, since: datetime) -> tuple[int, datetime | None]:
    """How many jobs ``user`` had accepted after ``since``, and the earliest of them."""
    from django.db.models import Count, Min

    from stats.models import UsageRecord

    totals = UsageRecord.objects.filter(user=user, accepted_at__gt=since).aggregate(
        count=Count("id"), earliest=Min("accepted_at")
    )
    return totals["count"], totals["earliest"]
