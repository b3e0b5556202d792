"""Prometheus metrics: request latency, generation latency by stage, failures by code, queue depth.

Built on prometheus-client alone (no django-prometheus): we need four families, and its own
multiprocess mode, which sums the counters of every gunicorn worker and `db_worker` process on a
machine through the files in ``PROMETHEUS_MULTIPROC_DIR``.

The job runner reports each finished generation with :func:`observe_generation`.
"""

from __future__ import annotations

import hmac
import logging
import os
import socket
import time
from collections.abc import Callable, Iterable, Mapping

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily, Metric

from lightsb_site.api_errors import json_error

logger = logging.getLogger(__name__)


def process_identifier(pid: int) -> str:
    """Name of one process's files in the shared metrics directory.

    Containers on one host may share the directory (web and worker both write there) while
    each has its own pid namespace, so the host name joins the pid to keep the files apart.
    gunicorn.conf.py builds the same name when a worker exits.
    """
    return f"{socket.gethostname().replace('_', '-')}-{pid}"


if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    values.ValueClass = values.MultiProcessValue(
        process_identifier=lambda: process_identifier(os.getpid())
    )

# Metrics live in this registry in single-process mode; in multiprocess mode their values go to
# files and the registry is only a holder.
LOCAL_REGISTRY = CollectorRegistry(auto_describe=True)

REQUEST_SECONDS = Histogram(
    "lightsb_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, URL route and status code.",
    ["method", "route", "status"],
    registry=LOCAL_REGISTRY,
)
GENERATION_STAGE_SECONDS = Histogram(
    "lightsb_generation_stage_seconds",
    "Time spent in one engine stage of a generation, by direction and stage.",
    ["direction", "stage"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0),
    registry=LOCAL_REGISTRY,
)
GENERATIONS_TOTAL = Counter(
    "lightsb_generations",
    "Finished generations, by direction and outcome (succeeded, failed, canceled).",
    ["direction", "status"],
    registry=LOCAL_REGISTRY,
)
GENERATION_FAILURES_TOTAL = Counter(
    "lightsb_generation_failures",
    "Failed generations, by direction and stable error code.",
    ["direction", "code"],
    registry=LOCAL_REGISTRY,
)


def observe_generation(
    *,
    direction: str,
    timings: Mapping[str, float],
    status: str,
    error_code: str | None = None,
) -> None:
    """Record one finished generation.

    ``timings`` is the engine's ``TranslationResult.timings`` (seconds per stage, including
    ``total``); pass ``{}`` when the job failed before the engine returned. ``status`` is the
    job's final state ("succeeded", "failed", "canceled"); ``error_code`` the stable code of a
    failure ("no_face_detected", ...). Never raises: metrics must not fail a job.
    """
    try:
        for stage, seconds in timings.items():
            if isinstance(seconds, int | float) and seconds >= 0:
                GENERATION_STAGE_SECONDS.labels(direction=direction, stage=stage).observe(seconds)
        GENERATIONS_TOTAL.labels(direction=direction, status=status).inc()
        if error_code:
            GENERATION_FAILURES_TOTAL.labels(direction=direction, code=error_code).inc()
    except Exception:  # pragma: no cover - a broken metrics dir must not fail a generation
        logger.exception("could not record generation metrics")


class QueueDepthCollector:
    """Reads the task queue's depth from the database at scrape time.

    A gauge pushed by processes would be wrong as soon as one of them dies; the table is the
    truth and is shared by every machine, so any web process can report it.
    """

    def collect(self) -> Iterable[Metric]:
        from django_tasks_db.models import DBTaskResult

        depth = GaugeMetricFamily(
            "lightsb_task_queue_depth",
            "Background tasks waiting (ready) or in progress (running).",
            labels=["state"],
        )
        oldest = GaugeMetricFamily(
            "lightsb_task_queue_oldest_ready_seconds",
            "Age of the oldest task still waiting for a worker (0 when none waits).",
        )
        try:
            rows = (
                DBTaskResult.objects.filter(status__in=["READY", "RUNNING"])
                .values("status")
                .annotate(count=Count("id"), first=Min("enqueued_at"))
            )
            by_status = {row["status"]: row for row in rows}
        except DatabaseError:
            logger.warning("queue depth unavailable: database error")
            return
        for state in ("READY", "RUNNING"):
            depth.add_metric([state.lower()], by_status.get(state, {}).get("count", 0))
        first_ready = by_status.get("READY", {}).get("first")
        oldest.add_metric([], (timezone.now() - first_ready).total_seconds() if first_ready else 0)
        yield depth
        yield oldest


def is_multiprocess_mode() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


_LOCAL_HAS_QUEUE = False


def scrape_registry() -> CollectorRegistry:
    """The registry to render for one scrape."""
    global _LOCAL_HAS_QUEUE
    if is_multiprocess_mode():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(QueueDepthCollector())
        return registry
    if not _LOCAL_HAS_QUEUE:
        LOCAL_REGISTRY.register(QueueDepthCollector())
        _LOCAL_HAS_QUEUE = True
    return LOCAL_REGISTRY


def _may_read_metrics(request: HttpRequest) -> bool:
    if settings.METRICS_PUBLIC:
        return True
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    offered = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if token and offered and hmac.compare_digest(offered.encode(), token.encode()):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format; public only when METRICS_PUBLIC, else token or staff."""
    if not _may_read_metrics(request):
        return json_error(
            "permission_denied",
            "Metrics need a staff account or the metrics bearer token.",
            403,
        )
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)


class RequestMetricsMiddleware:
    """Time every request, labelled by its URL route (a pattern, so label values stay few)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None and match.route else "<unmatched>"
        try:
            REQUEST_SECONDS.labels(
                method=request.method if request.method in _METHODS else "other",
                route=route,
                status=str(response.status_code),
            ).observe(time.perf_counter() - started)
        except Exception:  # pragma: no cover - never fail a request over a metric
            logger.exception("could not record request metrics")
        return response


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
