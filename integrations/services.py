"""Writes of the integrations app: creating, using, charging and revoking API keys."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import uuid
from datetime import timedelta

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from integrations.errors import ApiKeyLimitReached, TooManyApiKeys
from integrations.models import ApiKey, ApiKeyUse
from integrations.scopes import ALL_SCOPES

KEY_PREFIX = "lsb_"
MAX_ACTIVE_KEYS = 20
DAY = timedelta(days=1)
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(seconds=60)


def _hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_key_create(
    *, owner: User, name: str, scopes: list[str], daily_limit: int | None = None
) -> tuple[ApiKey, str]:
    """Create a key; returns it and the plain key, which is shown once and never stored."""
    unknown = set(scopes) - set(ALL_SCOPES)
    if unknown or not scopes:
        raise ValueError(f"Unknown scopes: {sorted(unknown)}")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=owner.pk).first()
        active = ApiKey.objects.filter(owner=owner, revoked_at__isnull=True).count()
        if active >= MAX_ACTIVE_KEYS:
            raise TooManyApiKeys()
        prefix = secrets.token_hex(6)
        raw_key = f"{KEY_PREFIX}{prefix}.{secrets.token_urlsafe(32)}"
        key = ApiKey.objects.create(
            owner=owner,
            name=name,
            prefix=prefix,
            secret_hash=_hash(raw_key),
            scopes=[scope for scope in ALL_SCOPES if scope in scopes],
            daily_limit=daily_limit,
        )
    return key, raw_key


def api_key_revoke(*, owner: User, key_id: uuid.UUID) -> ApiKey:
    """Revoke one of the owner's keys; it fails with 401 from the next request on."""
    key = ApiKey.objects.filter(owner=owner, id=key_id).first()
    if key is None:
        raise Http404
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def api_key_authenticate(*, raw_key: str) -> ApiKey | None:
    """The active key whose hash matches ``raw_key`` (and touch its last use), or None."""
    if not raw_key.startswith(KEY_PREFIX) or "." not in raw_key:
        return None
    prefix = raw_key[len(KEY_PREFIX) :].split(".", 1)[0]
    key = (
        ApiKey.objects.select_related("owner")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(raw_key)):
        return None
    now = timezone.now()
    if key.last_used_at is None or key.last_used_at < now - LAST_USED_RESOLUTION:
        ApiKey.objects.filter(id=key.id).update(last_used_at=now)
        key.last_used_at = now
    return key


def api_key_check_limit(*, key: ApiKey, count: int = 1) -> None:
    """Raise 429 ``api_key_limit_reached`` unless ``count`` more jobs fit in the key's own
    daily limit (a batch asks for all its photos at once).

    Call inside the transaction that creates the job, then ``api_key_record_use`` once it is
    created: the key row stays locked until the commit, so parallel requests through one key
    cannot both take its last job.
    """
    ApiKey.objects.select_for_update().filter(id=key.id).first()
    if key.daily_limit is not None:
        now = timezone.now()
        uses = ApiKeyUse.objects.filter(key=key, created_at__gte=now - DAY)
        if uses.count() + count > key.daily_limit:
            oldest = uses.order_by("created_at").values_list("created_at", flat=True).first()
            retry_after = max(1, math.ceil(((oldest or now) + DAY - now).total_seconds()))
            raise ApiKeyLimitReached(
                f"This API key has reached its limit of {key.daily_limit} generations in 24 hours.",
                retry_after=retry_after,
            )


def api_key_record_use(*, key: ApiKey, count: int = 1) -> None:
    """Count accepted jobs against the key (append-only, like the account's usage)."""
    ApiKeyUse.objects.bulk_create(ApiKeyUse(key=key) for _ in range(count))
