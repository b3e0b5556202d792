"""Running a job: claim it, drive the engine with a lease, store what it made.

A job row is created ``queued`` and its task runs after the transaction commits. Whoever runs
the task first claims the job with a conditional UPDATE (``queued -> running``,
``attempts + 1``); the new attempt number is a fencing token: every later write of that worker
filters on it, so a worker that lost its lease (presumed dead and reaped) can never overwrite
the job's new state. A running worker renews its lease at every stage boundary; a job whose
lease ran out is put back in the queue (at most ``GENERATION_MAX_ATTEMPTS`` attempts in all)
or failed with ``worker_lost`` (see ``lifecycle``).
"""

from __future__ import annotations

import io
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from PIL import Image

from generation import engine, storage
from generation.errors import StorageUnavailable
from generation.images import encode_jpeg, make_thumbnail
from generation.ml import direction_hint
from generation.ml.animation import journey_webp
from generation.models import Generation, GenerationResult, JourneyFrame, Stage, Status
from generation.services.lifecycle import finish, generation_reap_stale
from generation.services.web_copies import Store, open_for_web_copies, web_copies_store

if TYPE_CHECKING:
    from generation.ml import TranslationResult

logger = logging.getLogger(__name__)

SKIPPED = "skipped"
INTERNAL_ERROR_MESSAGE = "Something went wrong on our side while processing the photo."


def _lease() -> timedelta:
    return timedelta(seconds=settings.GENERATION_LEASE_SECONDS)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def generation_claim(*, generation_id: uuid.UUID | str, worker_id: str) -> int | None:
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
            stage=Stage.STARTING,
            percent=0,
        )
        if not claimed:
            return None
        return Generation.objects.values_list("attempts", flat=True).get(pk=generation_id)


@dataclass
class _ProgressReporter:
    """The engine's progress callback: writes the stage and renews the lease, or stops the
    engine (``TranslationCanceled``) once the job was canceled, deleted or taken over."""

    generation_id: uuid.UUID
    attempt: int

    def __call__(self, stage: str, percent: int) -> None:
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
            from generation.ml import TranslationCanceled

            raise TranslationCanceled()


def generation_run(*, generation_id: uuid.UUID | str, worker_id: str | None = None) -> str:
    """Execute one job (the body of the background task). Returns the outcome status.

    Reaps stale jobs first, so a fleet of workers heals itself without a cron job.
    """
    generation_reap_stale()
    attempt = generation_claim(
        generation_id=generation_id, worker_id=worker_id or default_worker_id()
    )
    if attempt is None:
        return SKIPPED
    return generation_execute(generation_id=generation_id, attempt=attempt)


def _running(generation: Generation, attempt: int) -> QuerySet[Generation]:
    """The job, only while this worker's attempt still holds it."""
    return Generation.objects.filter(pk=generation.pk, status=Status.RUNNING, attempts=attempt)


def generation_execute(*, generation_id: uuid.UUID | str, attempt: int) -> str:
    """Run a job this worker has claimed (``attempt`` is the token from the claim)."""
    from generation.ml import EngineError, TranslationCanceled

    generation = Generation.objects.select_related("owner").filter(pk=generation_id).first()
    if generation is None:  # deleted by its owner right after the claim
        return SKIPPED
    started = time.monotonic()
    reporter = _ProgressReporter(generation_id=generation.pk, attempt=attempt)

    def fail(code: str, message: str) -> str:
        finish(
            jobs=_running(generation, attempt),
            generation=generation,
            status=Status.FAILED,
            now=timezone.now(),
            processing_seconds=time.monotonic() - started,
            error_code=code,
            error_message=message,
            values={"faces_found": 0 if code == "no_face_detected" else None},
        )
        return Status.FAILED

    try:
        # Decoded by the engine, straight at its working size (a large JPEG never exists in
        # memory at full size).
        image = Image.open(io.BytesIO(storage.read(generation.input_image)))
        result = engine.get_engine().translate(
            image,
            direction=generation.direction,
            variants=generation.variants,
            seed=generation.seed,
            strength=generation.strength,
            variation=generation.variation,
            face_index=generation.face_index,
            journey_frames=generation.journey_frames,
            on_progress=reporter,
        )
        reporter(Stage.SAVING, 100)
    except TranslationCanceled:
        return _cancel(generation=generation, attempt=attempt, started=started)
    except EngineError as error:
        return fail(error.code, error.message)
    except Exception:
        logger.exception("generation %s failed unexpectedly", generation.pk)
        return fail("internal_error", INTERNAL_ERROR_MESSAGE)
    try:
        return _save_results(generation=generation, attempt=attempt, started=started, result=result)
    except StorageUnavailable as error:
        return fail(error.code, error.message)
    finally:
        del result, image
        engine.release_memory()


def _cancel(*, generation: Generation, attempt: int, started: float) -> str:
    finish(
        jobs=_running(generation, attempt),
        generation=generation,
        status=Status.CANCELED,
        now=timezone.now(),
        processing_seconds=time.monotonic() - started,
    )
    return Status.CANCELED


def _input_web_copies(generation: Generation, store: Store) -> dict[str, str]:
    try:
        data = storage.read(generation.input_image)
    except FileNotFoundError:  # the pages fall back to the full input
        return {}
    return web_copies_store(open_for_web_copies(data).picture, store=store)


def _save_results(
    *, generation: Generation, attempt: int, started: float, result: TranslationResult
) -> str:
    """Store the outputs, then end the job as succeeded; a cancel that arrived meanwhile wins."""
    stored: list[str] = []

    def store(kind: str, data: bytes, extension: str = "jpg") -> str:
        name = storage.store(
            owner_id=generation.owner_id,
            generation_id=generation.pk,
            kind=kind,
            data=data,
            extension=extension,
        )
        stored.append(name)
        return name

    try:
        rows: list[GenerationResult] = []
        primary_face = generation.face_index if generation.face_index is not None else 0
        for variant in result.variants:
            composite = store("result", encode_jpeg(variant.composite))
            web_copies = web_copies_store(variant.composite, store=store)
            crop_name = ""
            crops = dict(variant.crops)
            face_for_crop = primary_face if primary_face in crops else next(iter(crops), None)
            if face_for_crop is not None:
                crop_name = store("crop", encode_jpeg(crops[face_for_crop]))
            rows.append(
                GenerationResult(
                    generation_id=generation.pk,
                    variant_index=variant.index,
                    face_index=face_for_crop or 0,
                    seed=variant.seed,
                    composite=composite,
                    crop=crop_name,
                    web_copies=web_copies,
                    width=variant.composite.width,
                    height=variant.composite.height,
                )
            )
        frames = [
            JourneyFrame(
                generation_id=generation.pk, index=index, image=store("journey", encode_jpeg(frame))
            )
            for index, frame in enumerate(result.journey)
        ]
        animation = store("journey", journey_webp(result.journey), "webp") if result.journey else ""
        thumbnail = store("thumb", make_thumbnail(result.variants[0].composite)) if rows else ""
        input_web_copies = _input_web_copies(generation, store)
        primary = next((f for f in result.faces if f.index == primary_face), None)
        hint = direction_hint(result.direction, primary.estimate if primary else None)

        def write_rows() -> None:
            GenerationResult.objects.bulk_create(rows)
            JourneyFrame.objects.bulk_create(frames)

        succeeded = finish(
            jobs=_running(generation, attempt).filter(cancel_requested=False),
            generation=generation,
            status=Status.SUCCEEDED,
            now=timezone.now(),
            processing_seconds=time.monotonic() - started,
            timings=result.timings,
            images_count=len(rows),
            values={
                "percent": 100,
                "seed_used": result.seed,
                "faces_found": len(result.faces),
                "faces": [
                    {
                        "index": face.index,
                        "box": list(face.box),
                        "size_px": face.size_px,
                        "estimate": face.estimate.as_dict() if face.estimate else None,
                        "turned": face.turned,
                    }
                    for face in result.faces
                ],
                "model_version": result.model_version,
                "hint": hint or {},
                "journey_animation": animation,
                "timings": {key: round(float(value), 4) for key, value in result.timings.items()},
                "thumbnail": thumbnail or generation.thumbnail,
                "input_web_copies": input_web_copies,
            },
            in_transaction=write_rows,
        )
    except BaseException:
        storage.delete_files(stored)
        raise
    if not succeeded:
        storage.delete_files(stored)
        # A cancel that arrived while saving still wins; a reaped or deleted job is left alone.
        return _cancel(generation=generation, attempt=attempt, started=started)
    if thumbnail and generation.thumbnail:
        storage.delete_files([generation.thumbnail])  # the input preview, now a result preview
    return Status.SUCCEEDED
