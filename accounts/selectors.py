"""Reads for accounts: always scoped to the caller."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import LoginSession, Profile, User


def profile_get(*, user: User) -> Profile:
    # Users made by createsuperuser have no profile yet; give them an empty one.
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def session_list_active(*, user: User) -> QuerySet[LoginSession]:
    return LoginSession.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-last_used_at")
