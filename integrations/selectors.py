"""Reads of the integrations app."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from accounts.models import User
from integrations.models import ApiKey, WebhookDelivery, WebhookSecret


def api_keys_of(*, owner: User) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(owner=owner).order_by("-created_at")


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
