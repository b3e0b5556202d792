"""Envelope encryption of stored images: AES-256-GCM with a per-person data key.

A file is ``MAGIC | nonce (12) | ciphertext+tag``; the owner's id is the associated data, so a
file copied under another person's prefix does not decrypt. Data keys are stored wrapped by the
master key (``settings.MEDIA_MASTER_KEYS[0]``); rotating the master key re-wraps data keys only.
"""

from __future__ import annotations

import os
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

MAGIC = b"LSBE1"
NONCE_BYTES = 12
WRAP_CONTEXT = b"lightsb-media-key"


class MediaKeyUnavailable(Exception):
    """The data key is gone (account deleted) or cannot be unwrapped."""


def _wrap(data_key: bytes, *, owner_id: UUID | str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    context = WRAP_CONTEXT + str(owner_id).encode()
    return nonce + AESGCM(settings.MEDIA_MASTER_KEYS[0]).encrypt(nonce, data_key, context)


def _unwrap(wrapped: bytes, *, owner_id: UUID | str) -> tuple[bytes, bool]:
    """The data key, and whether it was wrapped by an older master key."""
    context = WRAP_CONTEXT + str(owner_id).encode()
    for position, master in enumerate(settings.MEDIA_MASTER_KEYS):
        try:
            key = AESGCM(master).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], context)
        except InvalidTag:
            continue
        return key, position > 0
    raise MediaKeyUnavailable("no master key unwraps this data key")


def data_key(*, owner_id: UUID | str, create: bool = False) -> bytes:
    """The person's data key; created on first write, never on read."""
    from generation.models import MediaKey

    row = MediaKey.objects.filter(owner_id=UUID(str(owner_id))).first()
    if row is None:
        if not create:
            raise MediaKeyUnavailable("this person has no media key")
        key = AESGCM.generate_key(bit_length=256)
        try:
            with transaction.atomic():
                MediaKey.objects.create(
                    owner_id=owner_id, wrapped_key=_wrap(key, owner_id=owner_id)
                )
            return key
        except IntegrityError:  # a concurrent first write made one: use that
            row = MediaKey.objects.get(owner_id=UUID(str(owner_id)))
    return _unwrap(bytes(row.wrapped_key), owner_id=owner_id)[0]


def encrypt(data: bytes, *, owner_id: UUID | str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    key = data_key(owner_id=owner_id, create=True)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, data, str(owner_id).encode())


def decrypt(blob: bytes, *, owner_id: UUID | str) -> bytes:
    """Plain bytes of a stored file; files written before encryption pass through."""
    if not blob.startswith(MAGIC):
        return blob
    body = blob[len(MAGIC) :]
    key = data_key(owner_id=owner_id)
    try:
        return AESGCM(key).decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], str(owner_id).encode())
    except InvalidTag as error:
        raise MediaKeyUnavailable("the file does not decrypt with its owner's key") from error


def media_keys_rotate() -> tuple[int, int]:
    """Re-wrap every data key with the current master key; files are not touched.

    Returns (re-wrapped, already current).
    """
    from generation.models import MediaKey

    rewrapped = current = 0
    for row in MediaKey.objects.all().iterator():
        key, stale = _unwrap(bytes(row.wrapped_key), owner_id=row.owner_id)
        if not stale:
            current += 1
            continue
        row.wrapped_key = _wrap(key, owner_id=row.owner_id)
        row.rotated_at = timezone.now()
        row.save(update_fields=["wrapped_key", "rotated_at"])
        rewrapped += 1
    return rewrapped, current


def media_key_destroy(*, owner_id: UUID | str) -> None:
    """Forget the person's data key: every file of theirs, anywhere, becomes unreadable."""
    from generation.models import MediaKey

    MediaKey.objects.filter(owner_id=UUID(str(owner_id))).delete()
