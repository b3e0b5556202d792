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
