"""Reads of the integrations app."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from integrations.models import ApiKey


def api_keys_of(*, owner: User) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(owner=owner).order_by("-created_at")
