"""Share links: a public, expiring, revocable link to one result of a generation."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from uuid import UUID

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from generation.errors import GenerationNotReady
from generation.models import Generation, ShareLink, Status

DEFAULT_SHARE_DAYS = 7
MAX_SHARE_DAYS = 30
# What the result page offers (the API takes any number of days up to MAX_SHARE_DAYS).
SHARE_DAYS_CHOICES = (1, DEFAULT_SHARE_DAYS, MAX_SHARE_DAYS)
TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def share_link_create(
    *,
    owner: User,
    generation_id: UUID,
    variant_index: int = 0,
    with_before: bool = False,
    days: int = DEFAULT_SHARE_DAYS,
) -> tuple[ShareLink, str]:
    """Make a link to one of the owner's results; returns the link and its token (shown once).

    Another person's generation, or a result that does not exist, is a 404.
    """
    with transaction.atomic():
        generation = (
            Generation.objects.select_for_update().filter(pk=generation_id, owner=owner).first()
        )
        if generation is None:
            raise Http404("No such generation.")
        if generation.status != Status.SUCCEEDED:
            raise GenerationNotReady()
        if not generation.results.filter(variant_index=variant_index).exists():
            raise Http404("No such result.")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        link = ShareLink.objects.create(
            generation=generation,
            token_hash=token_hash(token),
            variant_index=variant_index,
            with_before=with_before,
            expires_at=timezone.now() + timedelta(days=max(1, min(days, MAX_SHARE_DAYS))),
        )
    return link, token


def share_link_revoke(*, owner: User, link_id: UUID, generation_id: UUID | None = None) -> None:
    """Revoke one of the owner's links at once (a 404 for anyone else's, or for a link of
    another generation when ``generation_id`` is given)."""
    links = ShareLink.objects.filter(pk=link_id, generation__owner=owner)
    if generation_id is not None:
        links = links.filter(generation_id=generation_id)
    updated = links.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    if not updated and not links.exists():
        raise Http404("No such share link.")


def share_link_list(
    *, owner: User, generation_id: UUID | None = None, active_only: bool = False
) -> QuerySet[ShareLink]:
    """The owner's links (of one generation); ``active_only`` leaves out revoked and expired."""
    links = ShareLink.objects.filter(generation__owner=owner).select_related("generation")
    if generation_id is not None:
        links = links.filter(generation_id=generation_id)
    if active_only:
        links = links.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
    return links


def share_link_get_active(*, token: str) -> ShareLink:
    """The live link for a token; revoked, expired or unknown is a 404."""
    link = (
        ShareLink.objects.filter(
            token_hash=token_hash(token),
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            generation__status=Status.SUCCEEDED,
        )
        .select_related("generation")
        .first()
    )
    if link is None:
        raise Http404("This link does not exist or has expired.")
    return link
