"""Creating jobs: validate the request, enforce the daily quota, store the clean photo and
queue the task, all or nothing."""

from __future__ import annotations

import hashlib
import io
import math
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from accounts.models import User
from generation import storage, uploads
from generation.errors import (
    DailyLimitReached,
    GenerationGone,
    IdempotencyKeyReused,
    InvalidGenerationParameters,
)
from generation.images import make_thumbnail
from generation.limits import (
    DEFAULT_STRENGTH,
    DEFAULT_VARIANTS,
    DEFAULT_VARIATION,
    MAX_FACES,
    MAX_JOURNEY_FRAMES,
    MAX_SEED,
    MAX_VARIANTS,
    MAX_VARIATION,
    MIN_JOURNEY_FRAMES,
    check_job_cost,
)
from generation.models import Direction, Generation
from generation.tasks import generation_enqueue
from lightsb_site.formatting import format_wait
from stats.selectors import usage_accepted_since
from stats.services import usage_record_accept

DAY = timedelta(days=1)


def generation_validate_parameters(
    *,
    direction: str,
    variants: int,
    strength: float,
    seed: int | None,
    face_index: int | None,
    journey_frames: int,
    variation: float = DEFAULT_VARIATION,
) -> None:
    """Raise ``InvalidGenerationParameters`` with one message per bad field."""
    errors: dict[str, list[str]] = {}
    if direction not in Direction.values:
        errors["direction"] = [f"Choose one of: {', '.join(Direction.values)}."]
    if not 1 <= variants <= MAX_VARIANTS:
        errors["variants"] = [f"Choose between 1 and {MAX_VARIANTS} variants."]
    if not (0.0 <= strength <= 1.0) or math.isnan(strength):
        errors["strength"] = ["Strength must be between 0 and 1."]
    if not (0.0 <= variation <= MAX_VARIATION) or math.isnan(variation):
        errors["variation"] = [f"Variation must be between 0 and {MAX_VARIATION:g}."]
    if seed is not None and not 0 <= seed <= MAX_SEED:
        errors["seed"] = [f"The seed must be a whole number between 0 and {MAX_SEED}."]
    if face_index is not None and not 0 <= face_index < MAX_FACES:
        errors["face"] = [f"The face number must be between 0 and {MAX_FACES - 1}."]
    if journey_frames != 0 and not MIN_JOURNEY_FRAMES <= journey_frames <= MAX_JOURNEY_FRAMES:
        errors["journey"] = [
            f"Journey frames must be 0 or between {MIN_JOURNEY_FRAMES} and {MAX_JOURNEY_FRAMES}."
        ]
    if errors:
        raise InvalidGenerationParameters(fields=errors)


def check_daily_limit(*, owner: User, now: datetime, count: int = 1) -> None:
    """Raise ``DailyLimitReached`` unless ``count`` more jobs fit in the owner's 24 hours."""
    # Counted from the append-only usage records: deleting jobs does not give the quota back.
    limit = int(settings.GENERATION_DAILY_LIMIT)
    accepted, oldest = usage_accepted_since(user=owner, since=now - DAY)
    if accepted + count <= limit:
        return
    retry_after = max(1, math.ceil(((oldest or now) + DAY - now).total_seconds()))
    if count > 1 and accepted < limit:
        left = limit - accepted
        raise DailyLimitReached(
            f"These {count} photos would go over the limit of {limit} generations in 24 hours: "
            f"{left} {'is' if left == 1 else 'are'} left. Choose fewer photos, or try again in "
            f"{format_wait(retry_after)}.",
            retry_after=retry_after,
        )
    raise DailyLimitReached(
        f"You have reached the limit of {limit} generations in 24 hours. "
        f"Try again in {format_wait(retry_after)}.",
        retry_after=retry_after,
    )


def generation_create(
    *,
    owner: User,
    upload: UploadedFile | None,
    direction: str,
    variants: int = DEFAULT_VARIANTS,
    strength: float = DEFAULT_STRENGTH,
    seed: int | None = None,
    face_index: int | None = None,
    journey_frames: int = 0,
    idempotency_key: str | None = None,
    variation: float = DEFAULT_VARIATION,
) -> tuple[Generation, bool]:
    """Validate an uploaded photo, store a clean copy and queue a job for it.

    Returns ``(generation, created)``; with an ``idempotency_key`` the owner already used, the
    earlier job is returned with ``created=False`` and nothing new is stored or counted, as long
    as the photo and the settings are the same as the first time (else ``IdempotencyKeyReused``,
    409). A key stays taken while its job exists.
    Raises ``UploadError`` (400/413), ``InvalidGenerationParameters`` or ``DailyLimitReached``
    (429, with ``retry_after``), in which case no file and no row remain.
    """
    generation_validate_parameters(
        direction=direction,
        variants=variants,
        strength=strength,
        seed=seed,
        face_index=face_index,
        journey_frames=journey_frames,
        variation=variation,
    )
    sanitized = uploads.sanitize_upload(upload)
    if idempotency_key:
        existing = _find_by_idempotency_key(owner=owner, idempotency_key=idempotency_key)
        if existing is not None:
            return _replayed(
                existing,
                sanitized=sanitized,
                direction=direction,
                variants=variants,
                strength=strength,
                variation=variation,
                seed=seed,
                face_index=face_index,
                journey_frames=journey_frames,
            ), False
    return _create_job(
        owner=owner,
        sanitized=sanitized,
        direction=direction,
        variants=variants,
        strength=strength,
        seed=seed,
        face_index=face_index,
        journey_frames=journey_frames,
        idempotency_key=idempotency_key or "",
        variation=variation,
    )


def _find_by_idempotency_key(*, owner: User, idempotency_key: str) -> Generation | None:
    return Generation.objects.filter(owner=owner, idempotency_key=idempotency_key).first()


def _same_input(existing: Generation, data: bytes) -> bool:
    # The stored input is the sanitised JPEG, and sanitising is deterministic: the same photo
    # gives the same bytes. A stored file that cannot be read proves nothing either way.
    try:
        stored = storage.read(existing.input_image)
    except OSError:
        return True
    return hashlib.sha256(stored).digest() == hashlib.sha256(data).digest()


def _replayed(
    existing: Generation,
    *,
    sanitized: uploads.SanitizedImage,
    direction: str,
    variants: int,
    strength: float,
    variation: float,
    seed: int | None,
    face_index: int | None,
    journey_frames: int,
) -> Generation:
    """The job of a repeated ``Idempotency-Key``, if the request is the same as the first one;
    a different request under a used key raises ``IdempotencyKeyReused`` (409)."""
    asked = {
        "direction": (direction, existing.direction),
        "variants": (variants, existing.variants),
        "strength": (strength, existing.strength),
        "variation": (variation, existing.variation),
        "seed": (seed, existing.seed),
        "face": (face_index, existing.face_index),
        "journey": (journey_frames, existing.journey_frames),
    }
    differs = [name for name, (now, first) in asked.items() if now != first]
    if not _same_input(existing, sanitized.data):
        differs.insert(0, "file")
    if differs:
        raise IdempotencyKeyReused(
            fields={
                name: ["Differs from the request that first used this key."] for name in differs
            }
        )
    return existing


def _create_job(
    *,
    owner: User,
    sanitized: uploads.SanitizedImage,
    direction: str,
    variants: int,
    strength: float,
    seed: int | None,
    face_index: int | None,
    journey_frames: int,
    idempotency_key: str,
    variation: float,
) -> tuple[Generation, bool]:
    check_job_cost(
        width=sanitized.width,
        height=sanitized.height,
        variants=variants,
        journey_frames=journey_frames,
    )
    stored: list[str] = []

    def store(kind: str, data: bytes) -> str:
        name = storage.store(owner_id=owner.pk, generation_id=generation_id, kind=kind, data=data)
        stored.append(name)
        return name

    job_fields: dict[str, Any] = {
        "direction": direction,
        "variants": variants,
        "strength": strength,
        "variation": variation,
        "seed": seed,
        "face_index": face_index,
        "journey_frames": journey_frames,
    }
    asked: dict[str, Any] = {"sanitized": sanitized, **job_fields}
    generation_id = uuid.uuid4()
    try:
        with transaction.atomic():
            # One creation at a time per person: the idempotency check and the daily count
            # below are then exact, even with concurrent requests (PostgreSQL row lock).
            if get_user_model().objects.select_for_update().filter(pk=owner.pk).first() is None:
                raise GenerationGone("Your account was deleted while the photo was uploading.")
            if idempotency_key:
                existing = _find_by_idempotency_key(owner=owner, idempotency_key=idempotency_key)
                if existing is not None:
                    return _replayed(existing, **asked), False
            check_daily_limit(owner=owner, now=timezone.now())
            generation = insert_job(
                owner=owner,
                generation_id=generation_id,
                sanitized=sanitized,
                store=store,
                fields={**job_fields, "idempotency_key": idempotency_key},
            )
    except IntegrityError:
        storage.delete_files(stored)
        # Only the idempotency constraint can collide here: another request won the race.
        if idempotency_key:
            existing = _find_by_idempotency_key(owner=owner, idempotency_key=idempotency_key)
            if existing is not None:
                return _replayed(existing, **asked), False
        raise
    except BaseException:
        storage.delete_files(stored)
        raise
    refresh_or_gone(generation)
    return generation, True


def insert_job(
    *,
    owner: User,
    generation_id: uuid.UUID,
    sanitized: uploads.SanitizedImage,
    store: Callable[[str, bytes], str],
    fields: dict[str, Any],
) -> Generation:
    """Store the photo and its thumbnail, write the row, count it and queue its task.

    Call inside the creating transaction, after the quota check; ``store`` remembers what it
    wrote so the caller can remove it when the transaction fails.
    """
    generation = Generation.objects.create(
        id=generation_id,
        owner=owner,
        input_image=store("input", sanitized.data),
        input_width=sanitized.width,
        input_height=sanitized.height,
        thumbnail=store("thumb", make_thumbnail(sanitized.image)),
        **fields,
    )
    usage_record_accept(user=owner, generation_id=generation.pk, accepted_at=generation.created_at)
    generation_enqueue(generation_id=str(generation.pk))
    return generation


def refresh_or_gone(generation: Generation) -> None:
    """Reload a job that a concurrent request (its deletion, the account's) may have removed."""
    try:
        generation.refresh_from_db()
    except Generation.DoesNotExist as error:
        raise GenerationGone() from error


def generation_rerun(
    *,
    source: Generation,
    owner: User,
    same_seed: bool,
    direction: str | None = None,
    strength: float | None = None,
    variants: int | None = None,
) -> Generation:
    """A new job on the same input photo: new random variants, or the same seed again."""
    direction = direction or source.direction
    strength = source.strength if strength is None else strength
    variants = variants or source.variants
    seed = (
        (source.seed_used if source.seed_used is not None else source.seed) if same_seed else None
    )
    generation_validate_parameters(
        direction=direction,
        variants=variants,
        strength=strength,
        seed=seed,
        face_index=source.face_index,
        journey_frames=source.journey_frames,
        variation=source.variation,
    )
    data = storage.read(source.input_image)
    # The stored input is already clean: copy its bytes as they are (re-encoding would change
    # the pixels, and "same seed" must give the same pictures).
    pixels = Image.open(io.BytesIO(data)).convert("RGB")
    generation, _ = _create_job(
        owner=owner,
        sanitized=uploads.SanitizedImage(image=pixels, data=data),
        direction=direction,
        variants=variants,
        strength=strength,
        seed=seed,
        face_index=source.face_index,
        journey_frames=source.journey_frames,
        idempotency_key="",
        variation=source.variation,
    )
    return generation
