"""Batches: several photos with the same settings, each its own generation.

A photo that cannot be used (not an image, too large, too much work) is set aside with its
error and does not cost the others; the usable ones are created together, all or nothing, after
one quota check that counts every one of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from generation import storage, uploads
from generation.errors import (
    BatchNothingUsable,
    BatchTooLarge,
    GenerationGone,
    GenerationNotCancelable,
    JobTooLarge,
)
from generation.limits import (
    DEFAULT_STRENGTH,
    DEFAULT_VARIANTS,
    DEFAULT_VARIATION,
    check_job_cost,
    max_batch_photos,
)
from generation.models import Batch
from generation.services.create import (
    check_daily_limit,
    generation_validate_parameters,
    insert_job,
)
from generation.services.lifecycle import generation_cancel

# What is kept of a photo's own name (shown on the batch page and used in the zip).
MAX_FILE_NAME_CHARS = 120


@dataclass(frozen=True)
class _Usable:
    file_name: str
    sanitized: uploads.SanitizedImage


def _file_name(upload: UploadedFile, position: int) -> str:
    name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(char for char in name if char.isprintable())
    return name[:MAX_FILE_NAME_CHARS] or f"photo-{position + 1}"


def _find_by_idempotency_key(*, owner: User, idempotency_key: str) -> Batch | None:
    return Batch.objects.filter(owner=owner, idempotency_key=idempotency_key).first()


def _check_count(files: Sequence[UploadedFile]) -> None:
    if not files:
        raise uploads.FileMissing("Choose one or more photos to upload (JPEG, PNG or WEBP).")
    limit = max_batch_photos()
    if len(files) > limit:
        raise BatchTooLarge(
            f"Choose at most {limit} photos at once ({len(files)} were chosen).",
            fields={"file": [f"At most {limit} photos at once."]},
            max_photos=limit,
        )


def _sort_photos(
    files: Sequence[UploadedFile], *, variants: int, journey_frames: int
) -> tuple[list[_Usable], list[dict[str, str]]]:
    """The photos that can be used, and the others with their error (nothing is stored)."""
    usable: list[_Usable] = []
    rejected: list[dict[str, str]] = []
    for position, upload in enumerate(files):
        file_name = _file_name(upload, position)
        try:
            sanitized = uploads.sanitize_upload(upload)
            check_job_cost(
                width=sanitized.width,
                height=sanitized.height,
                variants=variants,
                journey_frames=journey_frames,
            )
        except (uploads.UploadError, JobTooLarge) as error:
            rejected.append({"file_name": file_name, "code": error.code, "message": error.message})
            continue
        usable.append(_Usable(file_name=file_name, sanitized=sanitized))
    if not usable:
        raise BatchNothingUsable(
            fields={"file": [f"{item['file_name']}: {item['message']}" for item in rejected]},
            rejected=rejected,
        )
    return usable, rejected


def _insert_jobs(
    *, owner: User, batch: Batch, usable: list[_Usable], fields: dict[str, Any], stored: list[str]
) -> None:
    for position, item in enumerate(usable):
        generation_id = uuid.uuid4()

        def store(kind: str, data: bytes, generation_id: uuid.UUID = generation_id) -> str:
            name = storage.store(
                owner_id=owner.pk, generation_id=generation_id, kind=kind, data=data
            )
            stored.append(name)
            return name

        insert_job(
            owner=owner,
            generation_id=generation_id,
            sanitized=item.sanitized,
            store=store,
            fields={**fields, "batch": batch, "batch_position": position},
        )


def _lock_and_check_quota(*, owner: User, idempotency_key: str | None, count: int) -> Batch | None:
    """Inside the creating transaction: the batch a concurrent replay already made, or None
    once ``count`` more jobs are known to fit in the quota."""
    # The same per-person lock as a single creation: the quota count below is exact.
    if get_user_model().objects.select_for_update().filter(pk=owner.pk).first() is None:
        raise GenerationGone("Your account was deleted while the photos were uploading.")
    if idempotency_key:
        existing = _find_by_idempotency_key(owner=owner, idempotency_key=idempotency_key)
        if existing is not None:
            return existing
    check_daily_limit(owner=owner, now=timezone.now(), count=count)
    return None


def batch_create(
    *,
    owner: User,
    files: Sequence[UploadedFile],
    direction: str,
    variants: int = DEFAULT_VARIANTS,
    strength: float = DEFAULT_STRENGTH,
    seed: int | None = None,
    face_index: int | None = None,
    journey_frames: int = 0,
    variation: float = DEFAULT_VARIATION,
    idempotency_key: str | None = None,
    before_create: Callable[[int], None] | None = None,
) -> tuple[Batch, bool]:
    """One generation per usable photo, grouped in a ``Batch``; returns ``(batch, created)``.

    Refused photos are listed in ``batch.rejected`` (name, code, message). Raises
    ``FileMissing`` without photos, ``BatchTooLarge`` with more than GENERATION_BATCH_MAX,
    ``InvalidGenerationParameters``, ``BatchNothingUsable`` when every photo was refused, and
    ``DailyLimitReached`` when the usable photos do not all fit in the daily quota; then
    nothing is stored or counted. ``before_create(count)`` runs inside the transaction before
    anything is written (the API checks an API key's own limit there).
    """
    job_fields: dict[str, Any] = {
        "direction": direction,
        "variants": variants,
        "strength": strength,
        "variation": variation,
        "seed": seed,
        "face_index": face_index,
        "journey_frames": journey_frames,
    }
    generation_validate_parameters(**job_fields)
    _check_count(files)
    if idempotency_key:
        existing = _find_by_idempotency_key(owner=owner, idempotency_key=idempotency_key)
        if existing is not None:
            return existing, False
    usable, rejected = _sort_photos(files, variants=variants, journey_frames=journey_frames)
    stored: list[str] = []
    try:
        with transaction.atomic():
            existing = _lock_and_check_quota(
                owner=owner, idempotency_key=idempotency_key, count=len(usable)
            )
            if existing is not None:
                return existing, False
            if before_create is not None:
                before_create(len(usable))
            batch = Batch.objects.create(
                owner=owner,
                direction=direction,
                file_names=[item.file_name for item in usable],
                rejected=rejected,
                idempotency_key=idempotency_key or "",
            )
            _insert_jobs(owner=owner, batch=batch, usable=usable, fields=job_fields, stored=stored)
    except IntegrityError:
        storage.delete_files(stored)
        # Only the idempotency constraint can collide here: another request won the race.
        if idempotency_key:
            existing = _find_by_idempotency_key(owner=owner, idempotency_key=idempotency_key)
            if existing is not None:
                return existing, False
        raise
    except BaseException:
        storage.delete_files(stored)
        raise
    return batch, True


def batch_cancel(*, batch: Batch) -> int:
    """Cancel every job of the batch that has not finished; returns how many were asked to stop."""
    asked = 0
    for generation in batch.generations.all():
        if not generation.is_active:
            continue
        try:
            generation_cancel(generation=generation)
        except GenerationNotCancelable:
            continue  # it finished in the meantime
        asked += 1
    return asked
