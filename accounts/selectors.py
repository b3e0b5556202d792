"""Reads for accounts: always scoped to the caller."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import LoginSession, Profile, User
from lightsb_site.formatting import isoformat_or_none
from stats.selectors import usage_stats_get


def profile_get(*, user: User) -> Profile:
    # Users made by createsuperuser have no profile yet; give them an empty one.
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def session_list_active(*, user: User) -> QuerySet[LoginSession]:
    return LoginSession.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-last_used_at")


def account_export(*, user: User) -> dict[str, Any]:
    """Everything stored about the account itself, JSON-ready (for "download everything")."""

    profile = profile_get(user=user)
    stats = usage_stats_get(user=user)
    sessions = LoginSession.objects.filter(user=user).order_by("created_at")
    return {
        "user": {
            "id": str(user.pk),
            "username": user.username,
            "email": user.email,
            "role": user.role,
            "created_at": isoformat_or_none(user.created_at),
            "last_login": isoformat_or_none(user.last_login),
        },
        "profile": {
            "full_name": profile.full_name,
            "position": profile.position,
            "date_of_birth": isoformat_or_none(profile.date_of_birth),
        },
        "usage_stats": {
            "usage_count": stats.usage_count,
            "images_count": stats.images_count,
            "last_used_at": isoformat_or_none(stats.last_used_at),
            "avg_processing_seconds": stats.avg_processing_seconds,
        },
        "login_sessions": [
            {
                "id": str(session.pk),
                "kind": session.kind,
                "created_at": isoformat_or_none(session.created_at),
                "last_used_at": isoformat_or_none(session.last_used_at),
                "expires_at": isoformat_or_none(session.expires_at),
                "revoked_at": isoformat_or_none(session.revoked_at),
                "user_agent": session.user_agent,
                "ip": session.ip,
            }
            for session in sessions
        ],
    }
