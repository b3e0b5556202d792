"""How jobs end and go away: the one terminal transition, cancel, reap, delete and purge.

Every way a job ends (succeeded, failed, canceled, reaped, abandoned) goes through
:func:`finish`, which writes the status, records the owner's usage and observes the metrics.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from generation import storage
from generation.errors import GenerationNotCancelable
from generation.hooks import run_finished_hooks
from generation.models import FINISHED_STATUSES, Batch, Generation, Stage, Status
from generation.services.create import refresh_or_gone
from generation.tasks import generation_enqueue, jobs_run_in_process
from lightsb_site.metrics import observe_generation
from stats.services import usage_stats_record

logger = logging.getLogger(__name__)

_TERMINAL_STAGE = {
    Status.SUCCEEDED: Stage.DONE,
    Status.FAILED: Stage.FAILED,
    Status.CANCELED: Stage.CANCELED,
}

WORKER_LOST = "worker_lost"
ABANDONED_MESSAGE = (
    "The server stopped before it could start on this photo, so the job was given up. "
    "Nothing was produced; please run the generation again."
)


def finish(
    *,
    jobs: QuerySet[Generation],
    generation: Generation,
    status: Status,
    now: datetime,
    processing_seconds: float | None = None,
    error_code: str = "",
    error_message: str = "",
    timings: Mapping[str, float] | None = None,
    images_count: int = 0,
    values: Mapping[str, Any] | None = None,
    in_transaction: Callable[[], None] | None = None,
) -> bool:
    """End a job: the one door of every terminal transition.

    ``jobs`` selects the job only while it is still in the state this caller expects (queued,
    or running under this worker's attempt); if the UPDATE matches nothing, somebody else
    already moved it and nothing is written, counted or observed (returns False). Otherwise
    the status, stage and finish time are written together with ``values``; ``in_transaction``
    runs in the same transaction (the results' rows); a succeeded or failed job counts as one
    use of the owner (a canceled one does not); the callbacks other apps registered in
    ``generation.hooks`` run in the same transaction (webhooks); then the metrics are observed.
    """
    update: dict[str, Any] = {
        "status": status,
        "stage": _TERMINAL_STAGE[status],
        "finished_at": now,
        "lease_expires_at": None,
        **(values or {}),
    }
    if processing_seconds is not None:
        update["processing_seconds"] = processing_seconds
    if status == Status.FAILED:
        update["error_code"] = error_code[:40]
        update["error_message"] = error_message
    with transaction.atomic():
        if not jobs.update(**update):
            return False
        if in_transaction is not None:
            in_transaction()
        if status != Status.CANCELED:
            usage_stats_record(
                user=generation.owner,
                images_count=images_count,
                processing_seconds=processing_seconds or 0.0,
                used_at=now,
            )
        run_finished_hooks(generation_id=generation.pk, status=str(status))
    observe_generation(
        direction=generation.direction,
        timings=timings or {},
        status=status,
        error_code=error_code if status == Status.FAILED else None,
    )
    return True


# --- Cancel --------------------------------------------------------------------------------


def generation_cancel(*, generation: Generation) -> Generation:
    """Cancel a job: a queued one at once, a running one at its next stage boundary."""
    canceled = finish(
        jobs=Generation.objects.filter(pk=generation.pk, status=Status.QUEUED),
        generation=generation,
        status=Status.CANCELED,
        now=timezone.now(),
        values={"cancel_requested": True},
    )
    if not canceled:
        requested = Generation.objects.filter(pk=generation.pk, status=Status.RUNNING).update(
            cancel_requested=True
        )
        if not requested:
            refresh_or_gone(generation)
            if generation.status != Status.CANCELED:
                raise GenerationNotCancelable()
    refresh_or_gone(generation)
    return generation


# --- Delete --------------------------------------------------------------------------------


def generation_delete(*, generation: Generation) -> None:
    """Delete one job, its rows and (after commit) its files."""
    generations_delete(generations=[generation])


def generations_delete(*, generations: Iterable[Generation]) -> int:
    """Delete jobs, their rows and (after commit) their files and folders."""
    names: list[str] = []
    folders: list[str] = []
    ids: list[uuid.UUID] = []
    for generation in generations:
        names.extend(generation.file_names())
        folders.append(
            storage.generation_folder(owner_id=generation.owner_id, generation_id=generation.pk)
        )
        ids.append(generation.pk)
    if not ids:
        return 0

    def remove_files() -> None:
        storage.delete_files(names)
        storage.sweep_folders(folders)

    with transaction.atomic():
        Generation.objects.filter(pk__in=ids).delete()
        transaction.on_commit(remove_files)
    return len(ids)


def generation_delete_all(*, owner: User) -> int:
    """Delete every job of a person (also call this before deleting the account)."""
    queryset = Generation.objects.filter(owner=owner).prefetch_related("results", "journey")
    deleted = generations_delete(generations=list(queryset))
    Batch.objects.filter(owner=owner).delete()  # their file names go with the jobs
    return deleted


# --- Reaping and retention -----------------------------------------------------------------


@dataclass
class ReapReport:
    requeued: list[uuid.UUID] = field(default_factory=list)
    failed: list[uuid.UUID] = field(default_factory=list)


def _fail_abandoned_queued(*, now: datetime, report: ReapReport) -> None:
    """Fail jobs the immediate backend will never run.

    With the immediate backend a job runs right after its row commits, in the same process;
    if that process dies in between (restart, crash, out of memory) the job would stay
    ``queued`` for ever. Re-running it from here is not safe (the reaper runs inside another
    person's request, and the engine may be what killed the process), so it fails with
    ``worker_lost`` once it has waited ``GENERATION_QUEUED_TIMEOUT_SECONDS``; it counts as one
    usage with no images, like every failed job.
    """
    timeout = timedelta(seconds=settings.GENERATION_QUEUED_TIMEOUT_SECONDS)
    abandoned = Generation.objects.filter(status=Status.QUEUED, created_at__lt=now - timeout)
    for generation in abandoned.select_related("owner"):
        if finish(
            jobs=Generation.objects.filter(pk=generation.pk, status=Status.QUEUED),
            generation=generation,
            status=Status.FAILED,
            now=now,
            processing_seconds=0.0,
            error_code=WORKER_LOST,
            error_message=ABANDONED_MESSAGE,
        ):
            report.failed.append(generation.pk)


def _reap_one(*, generation: Generation, now: datetime, report: ReapReport) -> None:
    still_stale = Generation.objects.filter(
        pk=generation.pk,
        status=Status.RUNNING,
        attempts=generation.attempts,
        lease_expires_at__lt=now,
    )
    max_attempts = max(1, int(settings.GENERATION_MAX_ATTEMPTS))
    if generation.cancel_requested:
        finish(jobs=still_stale, generation=generation, status=Status.CANCELED, now=now)
    elif generation.attempts < max_attempts:
        with transaction.atomic():
            if still_stale.update(
                status=Status.QUEUED,
                stage=Stage.NONE,
                percent=0,
                worker_id="",
                heartbeat_at=None,
                lease_expires_at=None,
            ):
                generation_enqueue(generation_id=str(generation.pk))
                report.requeued.append(generation.pk)
    elif finish(
        jobs=still_stale,
        generation=generation,
        status=Status.FAILED,
        now=now,
        processing_seconds=(
            (now - generation.started_at).total_seconds() if generation.started_at else 0.0
        ),
        error_code=WORKER_LOST,
        error_message=(
            "The worker processing this photo stopped unexpectedly "
            f"{generation.attempts} times, so the job was given up."
        ),
    ):
        report.failed.append(generation.pk)


def generation_reap_stale(*, now: datetime | None = None) -> ReapReport:
    """Requeue (or, after the last attempt, fail) running jobs whose worker stopped reporting.

    A job whose owner asked to cancel it is canceled instead of requeued. With the immediate
    backend it also fails jobs left ``queued`` longer than ``GENERATION_QUEUED_TIMEOUT_SECONDS``
    (their process died before running them).
    """
    now = now or timezone.now()
    report = ReapReport()
    # Before the running jobs: a job requeued below runs at once with the immediate backend
    # and must not be mistaken for an abandoned one.
    if jobs_run_in_process():
        _fail_abandoned_queued(now=now, report=report)
    stale = Generation.objects.filter(status=Status.RUNNING, lease_expires_at__lt=now)
    for generation in stale.select_related("owner"):
        _reap_one(generation=generation, now=now, report=report)
    if report.requeued or report.failed:
        logger.warning(
            "reaped stale generations: requeued=%s failed=%s", report.requeued, report.failed
        )
    return report


def generation_purge_expired(*, days: int | None = None, now: datetime | None = None) -> int:
    """Delete finished jobs (rows and files) older than the retention period."""
    days = int(settings.GENERATION_RETENTION_DAYS) if days is None else days
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
    # A batch whose jobs are all gone keeps nothing worth its photos' names.
    Batch.objects.filter(created_at__lt=cutoff, generations__isnull=True).delete()
    return total
