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


class WebhookSecret(models.Model):
    """A person's webhook signing secret, encrypted (see ``integrations.webhook_signing``).

    HMAC needs the secret itself at every delivery, so it cannot be stored as a hash like the
    API keys; it is sealed with AES-GCM under the service's master key, so a leaked database
    dump alone does not let anyone forge deliveries. Rotating replaces the row's secret.
    """

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_secret"
    )
    sealed_secret = models.BinaryField()
    # The first characters, to tell secrets apart on the page (as much as a key's prefix).
    prefix = models.CharField(max_length=16)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"webhook secret {self.prefix}… of {self.owner_id}"


class GenerationWebhook(models.Model):
    """The webhook a job was created with, and the site address its payload's URLs use."""

    generation = models.OneToOneField(
        "generation.Generation", on_delete=models.CASCADE, related_name="webhook"
    )
    url = models.CharField(max_length=2000)
    # Where the API was reached when the job was made (scheme and host), so the payload's links
    # point where the integrator already talks to us.
    base_url = models.CharField(max_length=300)

    def __str__(self) -> str:
        return f"webhook of {self.generation_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one webhook: its body is fixed when it is created, so
    every retry sends the same bytes under the same id (receivers can de-duplicate on it)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    generation = models.ForeignKey(
        "generation.Generation", on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    event = models.CharField(max_length=40)
    url = models.CharField(max_length=2000)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="webhook_delivery_owner")]

    def __str__(self) -> str:
        return f"{self.event} of {self.generation_id} ({self.status})"
