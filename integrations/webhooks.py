"""Writes of the webhooks: the signing secret, a job's webhook, its deliveries and their attempts.

A job created with a ``webhook`` gets one delivery when it ends (``generation.hooks`` calls
:func:`webhook_generation_finished` inside ``finish``'s transaction). A task POSTs it, signed
(see ``integrations.webhook_signing``), and retries it after the delays in
``settings.WEBHOOK_RETRY_DELAYS`` until it is accepted (any 2xx) or the attempts run out.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from generation import selectors as generation_selectors
from generation.models import Generation
from integrations.errors import WebhookDeliveryNotRedeliverable, WebhookRefused
from integrations.models import DeliveryStatus, GenerationWebhook, WebhookDelivery, WebhookSecret
from integrations.tasks import webhook_delivery_enqueue
from integrations.webhook_signing import (
    WebhookSecretUnavailable,
    new_secret,
    seal,
    signature,
    unseal,
)
from integrations.webhook_urls import (
    WebhookAddressRefused,
    WebhookTarget,
    WebhookUrlInvalid,
    check_webhook_url,
)

logger = logging.getLogger(__name__)

EVENT_FINISHED = "generation.finished"
USER_AGENT = "LightSB-Webhooks/1"
# What of a receiver's answer is kept as the delivery's last error.
MAX_ERROR_CHARS = 500
RESPONSE_EXCERPT_BYTES = 200


# --- The signing secret --------------------------------------------------------------------


def webhook_secret_rotate(*, owner: User) -> tuple[WebhookSecret, str]:
    """Make (or replace) the owner's signing secret; returns it and the plain secret, which is
    shown once. Deliveries attempted from now on are signed with the new one."""
    secret = new_secret()
    row, _ = WebhookSecret.objects.update_or_create(
        owner=owner,
        defaults={
            "sealed_secret": seal(secret, owner_id=owner.pk),
            "prefix": secret[:10],
            "created_at": timezone.now(),
        },
    )
    return row, secret


def _secret_of(owner_id: Any) -> str | None:
    row = WebhookSecret.objects.filter(owner_id=owner_id).first()
    if row is None:
        return None
    return unseal(bytes(row.sealed_secret), owner_id=owner_id)


# --- A job's webhook -----------------------------------------------------------------------


def webhook_url_check(*, owner: User, url: str) -> str:
    """Refuse (400 ``WebhookRefused``) a webhook this owner cannot have; returns the URL.

    The owner needs a signing secret first (``webhook_secret_missing``); the URL must be https
    to a public address (``webhook_url_invalid``, ``webhook_address_refused``); http to
    loopback is allowed where ``settings.WEBHOOK_ALLOW_LOOPBACK`` (development, tests).
    """
    if not WebhookSecret.objects.filter(owner=owner).exists():
        raise WebhookRefused(
            "Create a webhook signing secret first (API keys page or POST /api/webhooks/secret).",
            code="webhook_secret_missing",
        )
    try:
        check_webhook_url(url, allow_loopback=settings.WEBHOOK_ALLOW_LOOPBACK)
    except (WebhookUrlInvalid, WebhookAddressRefused) as error:
        raise WebhookRefused(str(error), code=error.code) from None
    return url


def webhook_attach(*, generation: Generation, url: str, base_url: str) -> GenerationWebhook:
    """Remember the (checked) webhook of a job just created, in the job's transaction."""
    return GenerationWebhook.objects.create(generation=generation, url=url, base_url=base_url)


def _payload(generation: Generation, *, base_url: str) -> dict[str, Any]:
    """The documented subset of the API's generation detail (docs/api-integrators.md)."""
    root = base_url.rstrip("/")

    def absolute(name: str, *args: Any, query: str = "") -> str:
        return root + reverse(f"api:{name}", args=args) + query

    pk = generation.pk
    results = generation_selectors.result_links(generation, absolute)
    return {
        "event": EVENT_FINISHED,
        "id": str(pk),
        "status": generation.status,
        "direction": generation.direction,
        "variants": generation.variants,
        "error": (
            {"code": generation.error_code, "message": generation.error_message}
            if generation.error_code
            else None
        ),
        "created_at": generation.created_at.isoformat(),
        "finished_at": generation.finished_at.isoformat() if generation.finished_at else None,
        "url": absolute("generation-detail", pk),
        "archive_url": absolute("generation-archive", pk) if results else None,
        "results": results,
    }


def webhook_generation_finished(*, generation_id: uuid.UUID, status: str) -> None:
    """Create the delivery of a job that just ended (if it has a webhook) and queue its first
    attempt. Runs inside ``finish``'s transaction: no ended job without its delivery."""
    hook = GenerationWebhook.objects.select_related("generation").filter(
        generation_id=generation_id
    )
    webhook = hook.first()
    if webhook is None:
        return
    generation = webhook.generation
    body = json.dumps(_payload(generation, base_url=webhook.base_url), separators=(",", ":"))
    delivery = WebhookDelivery.objects.create(
        owner_id=generation.owner_id,
        generation=generation,
        event=EVENT_FINISHED,
        url=webhook.url,
        body=body,
        next_attempt_at=timezone.now(),
    )
    webhook_delivery_enqueue(delivery_id=str(delivery.pk), delay_seconds=0)


# --- Attempts ------------------------------------------------------------------------------


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to by now."""

    def __init__(self, target: WebhookTarget, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address, with the certificate verified for the URL's host name."""

    def __init__(self, target: WebhookTarget, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self._tls)
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def _post(target: WebhookTarget, *, headers: dict[str, str], body: bytes) -> tuple[int, str]:
    """POST once; the status code and the start of the answer. Redirects are not followed."""
    timeout = float(settings.WEBHOOK_TIMEOUT_SECONDS)
    connection: http.client.HTTPConnection = (
        _PinnedHTTPSConnection(target, timeout)
        if target.scheme == "https"
        else _PinnedHTTPConnection(target, timeout)
    )
    try:
        connection.request(
            "POST", target.path, body=body, headers={"Host": target.host_header, **headers}
        )
        response = connection.getresponse()
        excerpt = response.read(RESPONSE_EXCERPT_BYTES).decode("utf-8", "replace")
        return response.status, excerpt
    finally:
        connection.close()


def webhook_headers(*, delivery: WebhookDelivery, secret: str, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "LightSB-Webhook-Id": str(delivery.pk),
        "LightSB-Webhook-Event": delivery.event,
        "LightSB-Webhook-Timestamp": str(timestamp),
        "LightSB-Webhook-Signature": signature(
            secret=secret, timestamp=timestamp, body=delivery.body
        ),
    }


def max_attempts() -> int:
    return len(settings.WEBHOOK_RETRY_DELAYS) + 1


def _claim(delivery_id: uuid.UUID, now: datetime) -> WebhookDelivery | None:
    """Take the next attempt of a pending delivery, or None when another worker took it, it
    ended or it is gone (its job or account deleted)."""
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return None
    taken = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, attempts=delivery.attempts
    ).update(attempts=delivery.attempts + 1, last_attempt_at=now, next_attempt_at=None)
    if not taken:
        return None
    delivery.attempts += 1
    delivery.last_attempt_at = now
    return delivery


def _attempt(delivery: WebhookDelivery) -> tuple[int | None, str, bool]:
    """One POST: (status code, error, whether another attempt could help)."""
    try:
        secret = _secret_of(delivery.owner_id)
    except WebhookSecretUnavailable:
        return None, "The signing secret cannot be read; create a new one.", False
    if secret is None:
        return None, "There is no signing secret; create one.", False
    try:
        target = check_webhook_url(delivery.url, allow_loopback=settings.WEBHOOK_ALLOW_LOOPBACK)
    except WebhookAddressRefused as error:
        return None, f"{error.code}: {error}", False
    except WebhookUrlInvalid as error:
        return None, f"{error.code}: {error}", True  # a name that does not resolve may later
    timestamp = int(time.time())
    headers = webhook_headers(delivery=delivery, secret=secret, timestamp=timestamp)
    try:
        code, excerpt = _post(target, headers=headers, body=delivery.body.encode())
    except (OSError, http.client.HTTPException) as error:
        return None, f"{type(error).__name__}: {error}", True
    if 200 <= code < 300:
        return code, "", False
    return code, f"HTTP {code}: {excerpt}".strip(), True


def webhook_delivery_attempt(*, delivery_id: uuid.UUID) -> str:
    """Make the next attempt of a delivery (the task runs this) and record it; on a failure
    that another attempt could mend, queue the next one after its delay. Returns the status."""
    now = timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        current = WebhookDelivery.objects.filter(pk=delivery_id).first()
        return current.status if current else "gone"
    code, error, retry = _attempt(delivery)
    update: dict[str, Any] = {"last_status_code": code, "last_error": error[:MAX_ERROR_CHARS]}
    delay: float | None = None
    if not error:
        update.update(status=DeliveryStatus.DELIVERED, delivered_at=timezone.now())
    elif retry and delivery.attempts < max_attempts():
        delay = float(settings.WEBHOOK_RETRY_DELAYS[delivery.attempts - 1])
        update["next_attempt_at"] = timezone.now() + timedelta(seconds=delay)
    else:
        update["status"] = DeliveryStatus.FAILED
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk, attempts=delivery.attempts).update(**update)
        if delay is not None:
            webhook_delivery_enqueue(delivery_id=str(delivery.pk), delay_seconds=delay)
    if error:
        logger.warning(
            "webhook delivery %s attempt %s failed: %s", delivery.pk, delivery.attempts, error
        )
    return str(update.get("status", DeliveryStatus.PENDING))


def webhook_redeliver(*, owner: User, delivery_id: uuid.UUID) -> WebhookDelivery:
    """Send a delivery again (same id and body, a fresh round of attempts): an ended one, or a
    pending one whose next attempt is long overdue (lost with its process)."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update().filter(owner=owner, pk=delivery_id).first()
        )
        if delivery is None:
            raise Http404
        if not delivery.can_be_sent_again:
            raise WebhookDeliveryNotRedeliverable()
        delivery.status = DeliveryStatus.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
        webhook_delivery_enqueue(delivery_id=str(delivery.pk), delay_seconds=0)
    return delivery
