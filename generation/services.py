"""Writes of the generation app: create, run, cancel, delete, reap, purge.

Views (HTML and API) and the background task call these; the rules live here once.

Execution model: a job row is created ``queued`` and a task is enqueued after the transaction
commits. Whoever runs the task first claims the job with a conditional UPDATE
(``queued -> running``, ``attempts + 1``); the new attempt number is a fencing token: every later
write of that worker filters on it, so a worker that lost its lease (presumed dead and reaped)
can never overwrite the job's new state. A running worker renews its lease at every stage
boundary; a job whose lease ran out is put back in the queue (at most
``GENERATION_MAX_ATTEMPTS`` attempts in all) or failed with ``worker_lost``. With the immediate
backend a job still queued after ``GENERATION_QUEUED_TIMEOUT_SECONDS`` lost the process that
was to run it, and is failed with ``worker_lost`` as well.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import os
import socket
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from PIL import Image

from generation import engine, uploads
from generation.limits import check_job_cost
from generation.models import (
    FINISHED_STATUSES,
    MAX_FACES,
    MAX_JOURNEY_FRAMES,
    MAX_VARIANTS,
    Direction,
    Generation,
    GenerationResult,
    JourneyFrame,
    Status,
)
from lightsb_site.api_errors import DomainError
from lightsb_site.metrics import observe_generation

logger = logging.getLogger(__name__)

DAY = timedelta(days=1)


# --- Errors --------------------------------------------------------------------------------


class InvalidGenerationParameters(DomainError):
    code = "invalid_parameters"
    status = 400
    message = "Some settings of the request are not valid."


class DailyLimitReached(DomainError):
    code = "daily_limit_reached"
    status = 429
    message = "You have reached today's limit of generations. Try again later."


class GenerationNotCancelable(DomainError):
    code = "not_cancelable"
    status = 409
    message = "This generation has already finished, so it can no longer be canceled."


class GenerationGone(DomainError):
    """The job (or its owner's account) was deleted while this request was working on it."""

    code = "not_found"
    status = 404
    message = "This generation no longer exists; it was deleted."


class GenerationNotReady(DomainError):
    code = "not_ready"
    status = 409
    message = "This generation has no results yet."


class StorageUnavailable(DomainError):
    """The file storage refused a write (disk full, quota, an unreachable bucket)."""

    code = "storage_unavailable"
    status = 503
    message = "We can't store photos right now (no storage space left). Please try again later."

    def __init__(self, message: str | None = None, **extra: Any):
        super().__init__(message, retry_after=60, **extra)


# What the person can do about each failure, shown next to the engine's message.
FAILURE_ADVICE: dict[str, str] = {
    "no_face_detected": (
        "Use a well-lit, front-facing photo where the face is clearly visible and not covered."
    ),
    "face_too_small": "Crop the photo closer to the face, or use a higher-resolution photo.",
    "invalid_image": "Export the photo again as JPEG or PNG and upload the new file.",
    "invalid_settings": (
        "Leave the face number empty to translate every face, or pick one that the photo has."
    ),
    "worker_lost": "This was a problem on our side. Please run the generation again.",
    "internal_error": "This was a problem on our side. Please run the generation again.",
    "storage_unavailable": "Our storage is full at the moment. Please try again a little later.",
}


# --- Settings helpers ----------------------------------------------------------------------


def _lease() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "GENERATION_LEASE_SECONDS", 120)))


def _queued_timeout() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "GENERATION_QUEUED_TIMEOUT_SECONDS", 600)))


def _max_attempts() -> int:
    return max(1, int(getattr(settings, "GENERATION_MAX_ATTEMPTS", 3)))


def _daily_limit() -> int:
    return int(getattr(settings, "GENERATION_DAILY_LIMIT", 200))


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


# --- Files ---------------------------------------------------------------------------------


def _store(*, owner_id: Any, generation_id: Any, kind: str, data: bytes) -> str:
    name = uploads.storage_name(owner_id=owner_id, generation_id=generation_id, kind=kind)
    try:
        return default_storage.save(name, ContentFile(data))
    except OSError as error:
        # A failed write (ENOSPC) can leave a partial file under the name it was given; names
        # are random UUIDs, so that name is ours alone and safe to remove.
        _delete_files([name])
        raise StorageUnavailable() from error


def _delete_files(names: Iterable[str]) -> None:
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except Exception:  # a missing or unreachable file must not block the rest
            logger.warning("could not delete stored file %s", name, exc_info=True)


def _sweep_folders(folders: Iterable[str]) -> None:
    """Remove whatever is left in the jobs' folders (e.g. files of a worker killed mid-save)."""
    for folder in folders:
        try:
            _, files = default_storage.listdir(folder)
        except (FileNotFoundError, NotImplementedError):
            continue
        except Exception:
            logger.warning("could not list %s", folder, exc_info=True)
            continue
        _delete_files(f"{folder}/{name}" for name in files)
        with contextlib.suppress(NotImplementedError, OSError):
            os.rmdir(default_storage.path(folder))  # local storage keeps empty folders


# --- Create --------------------------------------------------------------------------------


def _validate_parameters(
    *,
    direction: str,
    variants: int,
    strength: float,
    seed: int | None,
    face_index: int | None,
    journey_frames: int,
) -> None:
    errors: dict[str, list[str]] = {}
    if direction not in Direction.values:
        errors["direction"] = [f"Choose one of: {', '.join(Direction.values)}."]
    if not 1 <= variants <= MAX_VARIANTS:
        errors["variants"] = [f"Choose between 1 and {MAX_VARIANTS} variants."]
    if not (0.0 <= strength <= 1.0) or math.isnan(strength):
        errors["strength"] = ["Strength must be between 0 and 1."]
    if seed is not None and not 0 <= seed < 2**31:
        errors["seed"] = ["The seed must be a whole number between 0 and 2147483647."]
    if face_index is not None and not 0 <= face_index < MAX_FACES:
        errors["face"] = [f"The face number must be between 0 and {MAX_FACES - 1}."]
    if journey_frames != 0 and not 2 <= journey_frames <= MAX_JOURNEY_FRAMES:
        errors["journey"] = [f"Journey frames must be 0 or between 2 and {MAX_JOURNEY_FRAMES}."]
    if errors:
        raise InvalidGenerationParameters(fields=errors)


def _check_daily_limit(*, owner: Any, now: datetime) -> None:
    from stats.selectors import usage_accepted_since

    # Counted from the append-only usage records: deleting jobs does not give the quota back.
    limit = _daily_limit()
    accepted, oldest = usage_accepted_since(user=owner, since=now - DAY)
    if accepted < limit:
        return
    retry_after = max(1, math.ceil(((oldest or now) + DAY - now).total_seconds()))
    raise DailyLimitReached(
        f"You have reached the limit of {limit} generations in 24 hours. "
        f"Try again in {_human_duration(retry_after)}.",
        retry_after=retry_after,
    )


def _human_duration(seconds: int) -> str:
    if seconds >= 3600:
        return f"{math.ceil(seconds / 3600)} h"
    if seconds >= 60:
        return f"{math.ceil(seconds / 60)} min"
    return f"{seconds} s"


def generation_create(
    *,
    owner: Any,
    upload: Any,
    direction: str,
    variants: int = 4,
    strength: float = 1.0,
    seed: int | None = None,
    face_index: int | None = None,
    journey_frames: int = 0,
    idempotency_key: str | None = None,
) -> tuple[Generation, bool]:
    """Validate an uploaded photo, store a clean copy and queue a job for it.

    Returns ``(generation, created)``; with an ``idempotency_key`` the owner already used, the
    earlier job is returned with ``created=False`` and nothing new is stored or counted.
    Raises ``UploadError`` (400/413), ``InvalidGenerationParameters`` or ``DailyLimitReached``
    (429, with ``retry_after``), in which case no file and no row remain.
    """
    _validate_parameters(
        direction=direction,
        variants=variants,
        strength=strength,
        seed=seed,
        face_index=face_index,
        journey_frames=journey_frames,
    )
    if idempotency_key:
        existing = _find_by_idempotency_key(owner=owner, idempotency_key=idempotency_key)
        if existing is not None:
            return existing, False
    sanitized = uploads.sanitize_upload(upload)
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
    )


def _find_by_idempotency_key(*, owner: Any, idempotency_key: str) -> Generation | None:
    return Generation.objects.filter(owner=owner, idempotency_key=idempotency_key).first()


def _create_job(
    *,
    owner: Any,
    sanitized: uploads.SanitizedImage,
    direction: str,
    variants: int,
    strength: float,
    seed: int | None,
    face_index: int | None,
    journey_frames: int,
    idempotency_key: str | None,
) -> tuple[Generation, bool]:
    check_job_cost(
        width=sanitized.width,
        height=sanitized.height,
        variants=variants,
        journey_frames=journey_frames,
    )
    stored: list[str] = []
    try:
        with transaction.atomic():
            # One creation at a time per person: the idempotency check and the daily count
            # below are then exact, even with concurrent requests (PostgreSQL row lock).
            if get_user_model().objects.select_for_update().filter(pk=owner.pk).first() is None:
                raise GenerationGone("Your account was deleted while the photo was uploading.")
            if idempotency_key:
                existing = _find_by_idempotency_key(owner=owner, idempotency_key=idempotency_key)
                if existing is not None:
                    return existing, False
            _check_daily_limit(owner=owner, now=timezone.now())
            generation_id = uuid.uuid4()
            input_name = _store(
                owner_id=owner.pk, generation_id=generation_id, kind="input", data=sanitized.data
            )
            stored.append(input_name)
            thumbnail_name = _store(
                owner_id=owner.pk,
                generation_id=generation_id,
                kind="thumb",
                data=uploads.make_thumbnail(sanitized.image),
            )
            stored.append(thumbnail_name)
            generation = Generation.objects.create(
                id=generation_id,
                owner=owner,
                direction=direction,
                variants=variants,
                strength=strength,
                seed=seed,
                face_index=face_index,
                journey_frames=journey_frames,
                idempotency_key=idempotency_key,
                input_image=input_name,
                input_width=sanitized.width,
                input_height=sanitized.height,
                thumbnail=thumbnail_name,
            )
            _record_accepted(owner=owner, generation=generation)
            generation_enqueue(generation=generation)
    except IntegrityError:
        _delete_files(stored)
        # Only the idempotency constraint can collide here: another request won the race.
        if idempotency_key:
            existing = _find_by_idempotency_key(owner=owner, idempotency_key=idempotency_key)
            if existing is not None:
                return existing, False
        raise
    except BaseException:
        _delete_files(stored)
        raise
    _refresh_or_gone(generation)
    return generation, True


def _refresh_or_gone(generation: Generation) -> None:
    """Reload a job that a concurrent request (its deletion, the account's) may have removed."""
    try:
        generation.refresh_from_db()
    except Generation.DoesNotExist as error:
        raise GenerationGone() from error


def _record_accepted(*, owner: Any, generation: Generation) -> None:
    from stats.services import usage_record_accept

    usage_record_accept(user=owner, generation_id=generation.pk, accepted_at=generation.created_at)


def generation_rerun(
    *,
    source: Generation,
    owner: Any,
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
    _validate_parameters(
        direction=direction,
        variants=variants,
        strength=strength,
        seed=seed,
        face_index=source.face_index,
        journey_frames=source.journey_frames,
    )
    with default_storage.open(source.input_image, "rb") as handle:
        data = handle.read()
    # The stored input is already clean: copy its bytes as they are (re-encoding would change
    # the pixels, and "same seed" must give the same pictures).
    pixels = Image.open(io.BytesIO(data)).convert("RGB")
    sanitized = uploads.SanitizedImage(image=pixels, data=data, source_format="JPEG")
    generation, _ = _create_job(
        owner=owner,
        sanitized=sanitized,
        direction=direction,
        variants=variants,
        strength=strength,
        seed=seed,
        face_index=source.face_index,
        journey_frames=source.journey_frames,
        idempotency_key="",
    )
    return generation


def generation_enqueue(*, generation: Generation) -> None:
    """Hand the job to the task backend, never before the job row is committed."""
    from django_tasks_db.backend import DatabaseBackend

    from generation.tasks import run_generation

    generation_id = str(generation.pk)
    if isinstance(run_generation.get_backend(), DatabaseBackend):
        # The task row commits (or not) together with the job: no job without its task.
        run_generation.enqueue(generation_id)
    else:
        # The immediate backend runs the job right here: only once the job row is committed.
        transaction.on_commit(lambda: run_generation.enqueue(generation_id), robust=True)


# --- Run -----------------------------------------------------------------------------------


def generation_claim(*, generation_id: Any, worker_id: str) -> int | None:
    """Take a queued job for this worker; returns the attempt number (fencing token) or None."""
    now = timezone.now()
    with transaction.atomic():
        claimed = Generation.objects.filter(pk=generation_id, status=Status.QUEUED).update(
            status=Status.RUNNING,
            attempts=F("attempts") + 1,
            worker_id=worker_id,
            started_at=Coalesce(F("started_at"), Value(now)),
            heartbeat_at=now,
            lease_expires_at=now + _lease(),
            stage="starting",
            percent=0,
        )
        if not claimed:
            return None
        return Generation.objects.values_list("attempts", flat=True).get(pk=generation_id)


class _LostJob(Exception):
    """The job was canceled, deleted or reaped while this worker ran it."""


@dataclass
class _ProgressReporter:
    generation_id: Any
    attempt: int
    stages: list[str] = field(default_factory=list)

    def __call__(self, stage: str, percent: int) -> None:
        self.stages.append(stage)
        now = timezone.now()
        # Keep a little room at the top: storing the outputs is the last step.
        shown = max(0, min(int(percent), 100)) * 95 // 100
        updated = Generation.objects.filter(
            pk=self.generation_id,
            status=Status.RUNNING,
            attempts=self.attempt,
            cancel_requested=False,
        ).update(stage=stage, percent=shown, heartbeat_at=now, lease_expires_at=now + _lease())
        if not updated:
            # Canceled, deleted or taken over: stop at this stage boundary.
            raise engine.canceled_error()


def generation_run(*, generation_id: Any, worker_id: str | None = None) -> str:
    """Execute one job (the body of the background task). Returns the outcome status.

    Reaps stale jobs first, so a fleet of workers heals itself without a cron job.
    """
    generation_reap_stale()
    worker_id = worker_id or default_worker_id()
    attempt = generation_claim(generation_id=generation_id, worker_id=worker_id)
    if attempt is None:
        return "skipped"
    return generation_execute(generation_id=generation_id, attempt=attempt)


def generation_execute(*, generation_id: Any, attempt: int) -> str:
    """Run a job this worker has claimed (``attempt`` is the token from the claim)."""
    generation = Generation.objects.select_related("owner").filter(pk=generation_id).first()
    if generation is None:  # deleted by its owner right after the claim
        return "skipped"
    started = time.monotonic()
    reporter = _ProgressReporter(generation_id=generation.pk, attempt=attempt)
    engine_error, canceled_error = engine.engine_errors()
    try:
        with default_storage.open(generation.input_image, "rb") as handle:
            image = Image.open(io.BytesIO(handle.read()))
            image.load()
        result = engine.translate(
            image=image,
            direction=generation.direction,
            variants=generation.variants,
            seed=generation.seed,
            strength=generation.strength,
            face_index=generation.face_index,
            journey_frames=generation.journey_frames,
            on_progress=reporter,
        )
        reporter("saving", 100)
    except canceled_error:
        return _finish_canceled(generation=generation, attempt=attempt, started=started)
    except engine_error as error:
        return _finish_failed(
            generation=generation,
            attempt=attempt,
            started=started,
            code=error.code,
            message=error.message,
        )
    except Exception:
        logger.exception("generation %s failed unexpectedly", generation.pk)
        return _finish_failed(
            generation=generation,
            attempt=attempt,
            started=started,
            code="internal_error",
            message="Something went wrong on our side while processing the photo.",
        )
    try:
        return _finish_succeeded(
            generation=generation, attempt=attempt, started=started, result=result
        )
    except StorageUnavailable as error:
        return _finish_failed(
            generation=generation,
            attempt=attempt,
            started=started,
            code=error.code,
            message=error.message,
        )


def _running(generation: Generation, attempt: int):
    return Generation.objects.filter(pk=generation.pk, status=Status.RUNNING, attempts=attempt)


def _record_usage(*, owner: Any, images_count: int, processing_seconds: float, when: datetime):
    from stats.services import usage_stats_record

    usage_stats_record(
        user=owner,
        images_count=images_count,
        processing_seconds=processing_seconds,
        used_at=when,
    )


def _finish_canceled(*, generation: Generation, attempt: int, started: float) -> str:
    now = timezone.now()
    if _running(generation, attempt).update(
        status=Status.CANCELED,
        stage="canceled",
        finished_at=now,
        lease_expires_at=None,
        processing_seconds=time.monotonic() - started,
    ):
        observe_generation(direction=generation.direction, timings={}, status=Status.CANCELED)
    return Status.CANCELED


def _finish_failed(
    *, generation: Generation, attempt: int, started: float, code: str, message: str
) -> str:
    now = timezone.now()
    seconds = time.monotonic() - started
    with transaction.atomic():
        updated = _running(generation, attempt).update(
            status=Status.FAILED,
            stage="failed",
            error_code=code[:40],
            error_message=message,
            finished_at=now,
            lease_expires_at=None,
            processing_seconds=seconds,
            faces_found=0 if code == "no_face_detected" else None,
        )
        if updated:
            _record_usage(
                owner=generation.owner, images_count=0, processing_seconds=seconds, when=now
            )
    if updated:
        observe_generation(
            direction=generation.direction, timings={}, status=Status.FAILED, error_code=code
        )
    return Status.FAILED


def _finish_succeeded(*, generation: Generation, attempt: int, started: float, result) -> str:
    def store(kind: str, data: bytes) -> str:
        name = _store(
            owner_id=generation.owner_id, generation_id=generation.pk, kind=kind, data=data
        )
        stored.append(name)
        return name

    stored: list[str] = []
    try:
        rows: list[GenerationResult] = []
        primary_face = generation.face_index if generation.face_index is not None else 0
        for variant in result.variants:
            composite = store("result", uploads.encode_jpeg(variant.composite))
            crop_name = ""
            crops = dict(variant.crops)
            face_for_crop = primary_face if primary_face in crops else next(iter(crops), None)
            if face_for_crop is not None:
                crop_name = store("crop", uploads.encode_jpeg(crops[face_for_crop]))
            rows.append(
                GenerationResult(
                    generation_id=generation.pk,
                    variant_index=variant.index,
                    face_index=face_for_crop or 0,
                    seed=variant.seed,
                    composite=composite,
                    crop=crop_name,
                )
            )
        frames: list[JourneyFrame] = []
        for index, frame in enumerate(result.journey):
            name = store("journey", uploads.encode_jpeg(frame))
            frames.append(JourneyFrame(generation_id=generation.pk, index=index, image=name))
        thumbnail = ""
        if result.variants:
            thumbnail = store("thumb", uploads.make_thumbnail(result.variants[0].composite))

        now = timezone.now()
        seconds = time.monotonic() - started
        faces = [
            {"index": face.index, "box": list(face.box), "size_px": face.size_px}
            for face in result.faces
        ]
        with transaction.atomic():
            updated = (
                _running(generation, attempt)
                .filter(cancel_requested=False)
                .update(
                    status=Status.SUCCEEDED,
                    stage="done",
                    percent=100,
                    finished_at=now,
                    lease_expires_at=None,
                    seed_used=result.seed,
                    faces_found=len(result.faces),
                    faces=faces,
                    timings={key: round(float(value), 4) for key, value in result.timings.items()},
                    processing_seconds=seconds,
                    thumbnail=thumbnail or generation.thumbnail,
                )
            )
            if not updated:
                raise _LostJob()
            GenerationResult.objects.bulk_create(rows)
            JourneyFrame.objects.bulk_create(frames)
            _record_usage(
                owner=generation.owner,
                images_count=len(rows),
                processing_seconds=seconds,
                when=now,
            )
    except _LostJob:
        _delete_files(stored)
        # A cancel that arrived while saving still wins; a reaped or deleted job is left alone.
        return _finish_canceled(generation=generation, attempt=attempt, started=started)
    except BaseException:
        _delete_files(stored)
        raise
    if thumbnail and generation.thumbnail:
        _delete_files([generation.thumbnail])  # the input preview, replaced by a result preview
    observe_generation(
        direction=generation.direction, timings=result.timings, status=Status.SUCCEEDED
    )
    return Status.SUCCEEDED


# --- Cancel and delete ---------------------------------------------------------------------


def generation_cancel(*, generation: Generation) -> Generation:
    """Cancel a job: a queued one at once, a running one at its next stage boundary."""
    now = timezone.now()
    canceled = Generation.objects.filter(pk=generation.pk, status=Status.QUEUED).update(
        status=Status.CANCELED, stage="canceled", finished_at=now, cancel_requested=True
    )
    if canceled:
        observe_generation(direction=generation.direction, timings={}, status=Status.CANCELED)
    else:
        requested = Generation.objects.filter(pk=generation.pk, status=Status.RUNNING).update(
            cancel_requested=True
        )
        if not requested:
            _refresh_or_gone(generation)
            if generation.status != Status.CANCELED:
                raise GenerationNotCancelable()
    _refresh_or_gone(generation)
    return generation


def generation_delete(*, generation: Generation) -> None:
    """Delete one job, its rows and (after commit) its files."""
    generations_delete(generations=[generation])


def generations_delete(*, generations: Iterable[Generation]) -> int:
    names: list[str] = []
    folders: list[str] = []
    ids = []
    for generation in generations:
        names.extend(generation.file_names())
        folders.append(
            uploads.generation_folder(owner_id=generation.owner_id, generation_id=generation.pk)
        )
        ids.append(generation.pk)
    if not ids:
        return 0

    def remove_files() -> None:
        _delete_files(names)
        _sweep_folders(folders)

    with transaction.atomic():
        Generation.objects.filter(pk__in=ids).delete()
        transaction.on_commit(remove_files)
    return len(ids)


def generation_delete_all(*, owner: Any) -> int:
    """Delete every job of a person (also call this before deleting the account)."""
    queryset = Generation.objects.filter(owner=owner).prefetch_related("results", "journey")
    return generations_delete(generations=list(queryset))


# --- Reaping and retention -----------------------------------------------------------------


@dataclass
class ReapReport:
    requeued: list[uuid.UUID] = field(default_factory=list)
    failed: list[uuid.UUID] = field(default_factory=list)


def _jobs_run_in_process() -> bool:
    """True with the embedded default (immediate backend): jobs run in the web process that
    queued them, so no other process can ever pick up a job left queued."""
    from django_tasks.backends.immediate import ImmediateBackend

    from generation.tasks import run_generation

    return isinstance(run_generation.get_backend(), ImmediateBackend)


ABANDONED_MESSAGE = (
    "The server stopped before it could start on this photo, so the job was given up. "
    "Nothing was produced; please run the generation again."
)


def _fail_abandoned_queued(*, now: datetime, report: ReapReport) -> None:
    """Fail jobs the immediate backend will never run.

    With the immediate backend a job runs right after its row commits, in the same process;
    if that process dies in between (restart, crash, out of memory) the job would stay
    ``queued`` for ever. Re-running it from here is not safe (the reaper runs inside another
    person's request, and the engine may be what killed the process), so it fails with
    ``worker_lost`` once it has waited ``GENERATION_QUEUED_TIMEOUT_SECONDS``; it counts as one
    usage with no images, like every failed job.
    """
    abandoned = Generation.objects.filter(
        status=Status.QUEUED, created_at__lt=now - _queued_timeout()
    )
    for generation in abandoned.select_related("owner"):
        with transaction.atomic():
            failed = Generation.objects.filter(pk=generation.pk, status=Status.QUEUED).update(
                status=Status.FAILED,
                stage="failed",
                error_code="worker_lost",
                error_message=ABANDONED_MESSAGE,
                finished_at=now,
                processing_seconds=0.0,
            )
            if failed:
                _record_usage(
                    owner=generation.owner, images_count=0, processing_seconds=0.0, when=now
                )
        if failed:
            report.failed.append(generation.pk)
            observe_generation(
                direction=generation.direction,
                timings={},
                status=Status.FAILED,
                error_code="worker_lost",
            )


def generation_reap_stale(*, now: datetime | None = None) -> ReapReport:
    """Requeue (or, after the last attempt, fail) running jobs whose worker stopped reporting.

    With the immediate backend it also fails jobs left ``queued`` longer than
    ``GENERATION_QUEUED_TIMEOUT_SECONDS`` (their process died before running them).
    """
    now = now or timezone.now()
    report = ReapReport()
    # Before the running jobs: a job requeued below runs at once with the immediate backend
    # and must not be mistaken for an abandoned one.
    if _jobs_run_in_process():
        _fail_abandoned_queued(now=now, report=report)
    stale = Generation.objects.filter(status=Status.RUNNING, lease_expires_at__lt=now)
    for generation in stale.select_related("owner"):
        still_stale = Generation.objects.filter(
            pk=generation.pk,
            status=Status.RUNNING,
            attempts=generation.attempts,
            lease_expires_at__lt=now,
        )
        if generation.attempts < _max_attempts() and not generation.cancel_requested:
            with transaction.atomic():
                if still_stale.update(
                    status=Status.QUEUED,
                    stage="",
                    percent=0,
                    worker_id="",
                    heartbeat_at=None,
                    lease_expires_at=None,
                ):
                    generation_enqueue(generation=generation)
                    report.requeued.append(generation.pk)
            continue
        seconds = (now - generation.started_at).total_seconds() if generation.started_at else 0.0
        with transaction.atomic():
            if generation.cancel_requested:
                if still_stale.update(
                    status=Status.CANCELED,
                    stage="canceled",
                    finished_at=now,
                    lease_expires_at=None,
                ):
                    observe_generation(
                        direction=generation.direction, timings={}, status=Status.CANCELED
                    )
                continue
            if still_stale.update(
                status=Status.FAILED,
                stage="failed",
                error_code="worker_lost",
                error_message=(
                    "The worker processing this photo stopped unexpectedly "
                    f"{generation.attempts} times, so the job was given up."
                ),
                finished_at=now,
                lease_expires_at=None,
                processing_seconds=seconds,
            ):
                _record_usage(
                    owner=generation.owner, images_count=0, processing_seconds=seconds, when=now
                )
                report.failed.append(generation.pk)
                observe_generation(
                    direction=generation.direction,
                    timings={},
                    status=Status.FAILED,
                    error_code="worker_lost",
                )
    if report.requeued or report.failed:
        logger.warning(
            "reaped stale generations: requeued=%s failed=%s", report.requeued, report.failed
        )
    return report


def generation_purge_expired(*, days: int | None = None, now: datetime | None = None) -> int:
    """Delete finished jobs (rows and files) older than the retention period."""
    days = int(getattr(settings, "GENERATION_RETENTION_DAYS", 30)) if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    expired = Generation.objects.filter(
        created_at__lt=cutoff, status__in=FINISHED_STATUSES
    ).prefetch_related("results", "journey")
    total = 0
    batch: list[Generation] = []
    for generation in expired.iterator(chunk_size=200):
        batch.append(generation)
        if len(batch) >= 200:
            total += generations_delete(generations=batch)
            batch = []
    total += generations_delete(generations=batch)
    return total
