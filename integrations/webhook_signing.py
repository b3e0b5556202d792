"""Webhook signatures and the sealing of signing secrets.

Signature: ``LightSB-Webhook-Signature: v1=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>``,
with the timestamp (Unix seconds) in ``LightSB-Webhook-Timestamp``; the receiver recomputes it
(docs/api-integrators.md has the snippet) and refuses old timestamps against replays.

The secret is stored sealed (AES-256-GCM) under ``settings.MEDIA_MASTER_KEYS``, the service's
key-encryption key that already wraps every person's media key: the server must read the
secret back to sign, so a one-way hash (as for API keys) cannot work, and storing it in the
clear would hand a database dump the power to forge deliveries. The owner's id is the
associated data, so a sealed secret copied to another person's row does not open.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

SECRET_PREFIX = "whsec_"  # noqa: S105 (a label, not a secret)
SIGNATURE_VERSION = "v1"
NONCE_BYTES = 12
SEAL_CONTEXT = b"lightsb-webhook-secret:"


class WebhookSecretUnavailable(Exception):
    """No master key opens the sealed secret (the master key was replaced without rotation)."""


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def seal(secret: str, *, owner_id: UUID | str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    context = SEAL_CONTEXT + str(owner_id).encode()
    return nonce + AESGCM(settings.MEDIA_MASTER_KEYS[0]).encrypt(nonce, secret.encode(), context)


def unseal(sealed: bytes, *, owner_id: UUID | str) -> str:
    """The secret; any master key still listed opens it (the current or a previous one)."""
    context = SEAL_CONTEXT + str(owner_id).encode()
    for master in settings.MEDIA_MASTER_KEYS:
        try:
            plain = AESGCM(master).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context)
        except InvalidTag:
            continue
        return plain.decode()
    raise WebhookSecretUnavailable("no master key opens this webhook secret")


def signature(*, secret: str, timestamp: int, body: str) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"{SIGNATURE_VERSION}={mac.hexdigest()}"
