"""Reads of the integrations app."""

from __future__ import annotations

import math
from datetime import timedelta
from uuid import UUID

from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from accounts.models import User
from integrations.models import ApiKey, ApiKeyUse, WebhookDelivery, WebhookSecret
from lightsb_site.rate_limit import Hit

KEY_WINDOW = timedelta(days=1)


def api_keys_of(*, owner: User) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(owner=owner).order_by("-created_at")


def api_key_daily_quota(*, key: ApiKey, allowed: bool = True) -> Hit | None:
    """The key's own daily limit as a rate-limit hit (None for a key without one)."""
    if key.daily_limit is None:
        return None
    now = timezone.now()
    totals = ApiKeyUse.objects.filter(key=key, created_at__gte=now - KEY_WINDOW).aggregate(
        count=Count("id"), oldest=Min("created_at")
    )
    oldest = totals["oldest"]
    window = int(KEY_WINDOW.total_seconds())
    reset = (oldest + KEY_WINDOW - now).total_seconds() if oldest else window
    return Hit(
        allowed=allowed,
        count=totals["count"],
        limit=key.daily_limit,
        window_seconds=window,
        reset_seconds=max(1, math.ceil(reset)),
    )


def webhook_deliveries_of(
    *, owner: User, generation_id: UUID | None = None
) -> QuerySet[WebhookDelivery]:
    """The owner's deliveries, newest first (only of one job when ``generation_id``)."""
    deliveries = WebhookDelivery.objects.filter(owner=owner)
    if generation_id is not None:
        deliveries = deliveries.filter(generation_id=generation_id)
    return deliveries.order_by("-created_at")


def webhook_secret_of(*, owner: User) -> WebhookSecret | None:
    return WebhookSecret.objects.filter(owner=owner).first()
