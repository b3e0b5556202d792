"""Per-user usage statistics, updated atomically by stats.services."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class UsageStats(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="usage_stats"
    )
    usage_count = models.PositiveIntegerField(default=0)
    images_count = models.PositiveIntegerField(default=0)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Incremental mean over every finished job: m_n = m_{n-1} + (x_n - m_{n-1}) / n.
    avg_processing_seconds = models.FloatField(default=0.0)

    class Meta:
        verbose_name = "usage statistics"
        verbose_name_plural = "usage statistics"

    def __str__(self) -> str:
        return f"Stats of {self.user}"


class UsageRecord(models.Model):
    """One row per accepted generation job, never updated or deleted by the person.

    The daily quota counts these rows, so deleting one's history does not give the quota
    back. ``generation_id`` is deliberately not a foreign key: the job may be deleted, its
    record stays (until the account itself is deleted).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="usage_records"
    )
    generation_id = models.UUIDField()
    accepted_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "accepted_at"], name="stats_usage_user_accepted")]

    def __str__(self) -> str:
        return f"Job {self.generation_id} of {self.user_id} at {self.accepted_at:%Y-%m-%d %H:%M}"
