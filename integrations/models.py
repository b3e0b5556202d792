"""API keys: a public prefix to find the row and a SHA-256 of the whole key to check it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from integrations.scopes import ALL_SCOPES


class ApiKey(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Deleting the account deletes its keys.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    # The secret has 256 bits of entropy, so one SHA-256 (no slow hash) cannot be brute-forced.
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    # None: only the account's own daily quota applies.
    daily_limit = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes and scope in ALL_SCOPES


class ApiKeyUse(models.Model):
    """One row per job accepted through a key: its daily limit counts these (append-only)."""

    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="uses")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.key_id} at {self.created_at:%Y-%m-%d %H:%M}"
