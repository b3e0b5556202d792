"""Reads of the generation app: what a person may see, its files, and statistics."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO, Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from accounts.models import GeneratorPreferences, User
from generation import storage
from generation.models import Batch, Generation, ShareLink, Status, stage_label, web_copy_name
from lightsb_site.formatting import isoformat_or_none
from lightsb_site.rate_limit import Hit

QUOTA_WINDOW = timedelta(days=1)
QUOTA_WINDOW_SECONDS = int(QUOTA_WINDOW.total_seconds())


def generation_list(
    *, owner: User, direction: str | None = None, status: str | None = None
) -> QuerySet[Generation]:
    """A person's own jobs, newest first, optionally filtered."""
    queryset = Generation.objects.filter(owner=owner).prefetch_related("results")
    if direction:
        queryset = queryset.filter(direction=direction)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at")


def generation_get(*, owner: User, generation_id: UUID | str) -> Generation:
    """One of the person's jobs; anybody else's (or a malformed id) is simply not found."""
    try:
        return (
            Generation.objects.prefetch_related("results", "journey")
            .select_related("owner")
            .get(pk=generation_id, owner=owner)
        )
    except (Generation.DoesNotExist, ValidationError, ValueError) as error:
        raise Http404("No such generation.") from error


@dataclass(frozen=True)
class StoredImage:
    name: str  # storage name
    filename: str  # what the person's browser saves it as
    content_type: str = "image/jpeg"


FILE_KINDS = (
    "composite",
    "crop",
    "input",
    "thumbnail",
    "journey",
    "animation",
    "gif",
    "face-before",
)


def web_copy(image: StoredImage, copies: dict[str, str] | None, width: int | None) -> StoredImage:
    """The web-sized copy of ``width`` when it is stored, else the full image itself (results
    stored before copies existed, or pictures too small to have one)."""
    name = web_copy_name(copies, width) if width else ""
    if not name:
        return image
    stem = image.filename.rsplit(".", 1)[0]
    return StoredImage(name, f"{stem}-{width}.webp", "image/webp")


def generation_image(
    *, generation: Generation, kind: str, index: int = 0, width: int | None = None
) -> StoredImage:
    """The stored image of one kind of a job, or 404.

    ``width`` asks for a web-sized copy (of a composite or the input); without one the full
    image answers.
    """
    short_id = str(generation.pk)[:8]
    found: StoredImage | None = None
    if kind == "input":
        found = web_copy(
            StoredImage(generation.input_image, f"lightsb-{short_id}-input.jpg"),
            generation.input_web_copies,
            width,
        )
    elif kind == "thumbnail" and generation.thumbnail:
        found = StoredImage(generation.thumbnail, f"lightsb-{short_id}-thumb.jpg")
    elif kind == "animation" and generation.journey_animation:
        found = StoredImage(
            generation.journey_animation, f"lightsb-{short_id}-journey.webp", "image/webp"
        )
    elif kind == "gif" and generation.journey_gif:
        found = StoredImage(generation.journey_gif, f"lightsb-{short_id}-journey.gif", "image/gif")
    elif kind == "face-before" and generation.before_crop:
        found = StoredImage(generation.before_crop, f"lightsb-{short_id}-face-before.jpg")
    elif kind in ("composite", "crop"):
        found = _result_image(generation, kind, index, short_id, width)
    elif kind == "journey":
        found = next(
            (
                StoredImage(frame.image, f"lightsb-{short_id}-journey-{index:02d}.jpg")
                for frame in generation.journey.all()
                if frame.index == index
            ),
            None,
        )
    if found is None or not found.name:
        raise Http404("No such image.")
    return found


def _result_image(
    generation: Generation, kind: str, index: int, short_id: str, width: int | None
) -> StoredImage | None:
    for result in generation.results.all():
        if result.variant_index == index:
            name = result.composite if kind == "composite" else result.crop
            suffix = "" if kind == "composite" else "-face"
            image = StoredImage(
                name, f"lightsb-{short_id}-{generation.direction}-{index}{suffix}.jpg"
            )
            return web_copy(image, result.web_copies, width) if kind == "composite" else image
    return None


def open_stored(name: str) -> IO[bytes]:
    try:
        return io.BytesIO(storage.read(name))
    except (FileNotFoundError, OSError) as error:
        raise Http404("The image is no longer stored.") from error


def generation_daily_quota(*, owner: User, allowed: bool = True) -> Hit:
    """The person's daily quota as a rate-limit hit: jobs accepted in the last 24 hours, and
    when the oldest of them stops counting (for the RateLimit header fields)."""
    from stats.selectors import usage_accepted_since

    now = timezone.now()
    accepted, oldest = usage_accepted_since(user=owner, since=now - QUOTA_WINDOW)
    reset = (oldest + QUOTA_WINDOW - now).total_seconds() if oldest else QUOTA_WINDOW_SECONDS
    return Hit(
        allowed=allowed,
        count=accepted,
        limit=int(settings.GENERATION_DAILY_LIMIT),
        window_seconds=QUOTA_WINDOW_SECONDS,
        reset_seconds=max(1, math.ceil(reset)),
    )


def preferences_get(*, user: User) -> GeneratorPreferences:
    """The person's generator settings; the defaults (unsaved) when none were kept."""
    found = GeneratorPreferences.objects.filter(user=user).first()
    return found if found is not None else GeneratorPreferences(user=user)


def preferences_form_initial(*, user: User) -> dict[str, Any]:
    """The generator form's starting values (its journey is a yes/no on the page)."""
    preferences = preferences_get(user=user)
    return {
        "direction": preferences.direction,
        "variants": preferences.variants,
        "strength": preferences.strength,
        "variation": preferences.variation,
        "journey": preferences.journey_frames > 0,
    }


def preferences_export(*, user: User) -> dict[str, Any] | None:
    """The saved generator settings, JSON-ready (None when nothing is kept)."""
    preferences = GeneratorPreferences.objects.filter(user=user).first()
    if preferences is None:
        return None
    return {
        "direction": preferences.direction,
        "variants": preferences.variants,
        "strength": preferences.strength,
        "variation": preferences.variation,
        "journey_frames": preferences.journey_frames,
        "updated_at": isoformat_or_none(preferences.updated_at),
    }


def share_links_export(*, owner: User) -> list[dict[str, Any]]:
    """Every share link of the person's generations, JSON-ready. Never the token: only its hash
    is stored, and not even that leaves the service."""
    links = ShareLink.objects.filter(generation__owner=owner).order_by("created_at")
    return [
        {
            "id": str(link.pk),
            "generation_id": str(link.generation_id),
            "variant_index": link.variant_index,
            "with_before": link.with_before,
            "created_at": isoformat_or_none(link.created_at),
            "expires_at": isoformat_or_none(link.expires_at),
            "revoked_at": isoformat_or_none(link.revoked_at),
        }
        for link in links
    ]


def generation_get_by_idempotency_key(*, owner: User, key: str) -> Generation | None:
    """The person's job created with this ``Idempotency-Key``, if it exists yet."""
    if not key:
        return None
    return Generation.objects.filter(owner=owner, idempotency_key=key).first()


def _failure(generation: Generation) -> dict[str, str] | None:
    if not generation.error_code:
        return None
    return {"code": generation.error_code, "message": generation.error_message}


def generation_progress(generation: Generation) -> dict[str, Any]:
    """Where a job is, for the page that polls it; ``stage_label`` is what the page shows."""
    return {
        "id": str(generation.pk),
        "status": generation.status,
        "stage": generation.stage,
        "stage_label": stage_label(generation.stage),
        "percent": generation.percent,
        "finished": generation.is_finished,
        "error": _failure(generation),
    }


def generation_summary(generation: Generation) -> dict[str, Any]:
    """What a job asked for and how it went: the part the API and the archives share."""
    return {
        "id": str(generation.pk),
        "status": generation.status,
        "direction": generation.direction,
        "variants": generation.variants,
        "strength": generation.strength,
        "variation": generation.variation,
        "seed": generation.seed,
        "seed_used": generation.seed_used,
        "face": generation.face_index,
        "journey_frames": generation.journey_frames,
        "faces_found": generation.faces_found,
        "faces": generation.faces,
        "hint": generation.hint or None,
        "model_version": generation.model_version,
        "timings": generation.timings,
        "processing_seconds": generation.processing_seconds,
        "error": _failure(generation),
    }


# --- Batches -------------------------------------------------------------------------------


def batch_get(*, owner: User, batch_id: UUID | str) -> Batch:
    """One of the person's batches; anybody else's (or a malformed id) is simply not found."""
    try:
        return Batch.objects.get(pk=batch_id, owner=owner)
    except (Batch.DoesNotExist, ValidationError, ValueError) as error:
        raise Http404("No such batch.") from error


def batch_get_by_idempotency_key(*, owner: User, key: str) -> Batch | None:
    """The person's batch created with this ``Idempotency-Key``, if it exists yet."""
    if not key:
        return None
    return Batch.objects.filter(owner=owner, idempotency_key=key).first()


def batch_generations(batch: Batch) -> list[Generation]:
    """The batch's jobs that still exist, in the order the photos were chosen."""
    return list(
        batch.generations.filter(owner=batch.owner_id)
        .prefetch_related("results", "journey")
        .order_by("batch_position")
    )


def batch_file_name(batch: Batch, generation: Generation) -> str:
    position = generation.batch_position
    if position is not None and 0 <= position < len(batch.file_names):
        return str(batch.file_names[position])
    return f"photo-{(position or 0) + 1}"


def batch_progress(batch: Batch, generations: list[Generation]) -> dict[str, Any]:
    """One progress for all of a batch's jobs, shaped like a single job's (the page polls it)."""
    total = len(generations)
    finished = sum(1 for item in generations if item.is_finished)
    succeeded = sum(1 for item in generations if item.status == Status.SUCCEEDED)
    percent = round(
        sum(100 if item.is_finished else item.percent for item in generations) / max(1, total)
    )
    running = next((item for item in generations if item.status == Status.RUNNING), None)
    if finished == total:
        label = f"{succeeded} of {total} photos done"
    elif running is not None:
        label = f"Photo {finished + 1} of {total}: {stage_label(running.stage)}"
    else:
        label = f"{finished} of {total} photos done, the rest waiting for a free worker"
    return {
        "id": str(batch.pk),
        "status": "running" if finished < total else "finished",
        "stage_label": label,
        "percent": percent,
        "finished": finished == total,
        "total": total,
        "done": finished,
        "succeeded": succeeded,
        "failed": sum(1 for item in generations if item.status == Status.FAILED),
    }


# --- Statistics ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DayUsage:
    day: date
    count: int
    avg_processing_seconds: float


def generation_usage_by_day(
    *, owner: User, days: int = 30, today: date | None = None
) -> list[DayUsage]:
    """Jobs per day and their mean processing time, for the last ``days`` days (zeros filled)."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    rows = (
        Generation.objects.filter(owner=owner, created_at__date__gte=first)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(count=Count("id"))
    )
    counts = {row["day"]: row["count"] for row in rows}
    seconds: dict[date, list[float]] = {}
    finished = Generation.objects.filter(
        owner=owner, created_at__date__gte=first, processing_seconds__isnull=False
    ).annotate(day=TruncDate("created_at"))
    for day, value in finished.values_list("day", "processing_seconds"):
        if value is not None:
            seconds.setdefault(day, []).append(value)
    result = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        values = seconds.get(day, [])
        result.append(
            DayUsage(
                day=day,
                count=counts.get(day, 0),
                avg_processing_seconds=sum(values) / len(values) if values else 0.0,
            )
        )
    return result


def percentile(values: list[float], fraction: float) -> float | None:
    """Linear-interpolated percentile of already collected values (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def generation_dashboard(*, days: int = 30) -> dict[str, Any]:
    """Service-wide figures for staff: totals, processing percentiles, failures, queue."""
    since = timezone.now() - timedelta(days=days)
    by_status = dict(
        Generation.objects.values_list("status").annotate(count=Count("id")).order_by()
    )
    recent = Generation.objects.filter(created_at__gte=since)
    durations = [
        seconds
        for seconds in recent.filter(status=Status.SUCCEEDED).values_list(
            "processing_seconds", flat=True
        )
        if seconds is not None
    ]
    failures = list(
        recent.filter(status=Status.FAILED)
        .values("error_code")
        .annotate(count=Count("id"))
        .order_by("-count", "error_code")
    )
    oldest_queued = (
        Generation.objects.filter(status=Status.QUEUED)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return {
        "days": days,
        "total": sum(by_status.values()),
        "by_status": {status: by_status.get(status, 0) for status in Status.values},
        "recent_total": recent.count(),
        "users": Generation.objects.values("owner").distinct().count(),
        "p50_seconds": percentile(durations, 0.5),
        "p95_seconds": percentile(durations, 0.95),
        "measured": len(durations),
        "failures": failures,
        "queue_depth": by_status.get(Status.QUEUED, 0),
        "running": by_status.get(Status.RUNNING, 0),
        "oldest_queued_seconds": (
            (timezone.now() - oldest_queued).total_seconds() if oldest_queued else None
        ),
    }


def result_links(generation: Generation, absolute: Callable[..., str]) -> list[dict[str, Any]]:
    """Each result's index, face, seed and absolute URLs, as the API and the webhooks show
    them; ``absolute(url_name, *args, query=...)`` makes an API route's absolute URL."""
    pk = generation.pk
    return [
        {
            "index": result.variant_index,
            "face": result.face_index,
            "seed": result.seed,
            "url": absolute("generation-result", pk, result.variant_index),
            "crop_url": (
                absolute("generation-result", pk, result.variant_index, query="?kind=crop")
                if result.crop
                else None
            ),
        }
        for result in generation.results.all()
    ]
