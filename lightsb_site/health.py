"""Liveness and readiness probes for load balancers, Docker and Kubernetes.

- ``/healthz``: the process answers. Touches nothing else (no database, no torch), so a slow
  database never gets a healthy process killed.
- ``/readyz``: this process can do its work: the database answers, the media storage accepts a
  write and a delete, and the model is loaded or loadable. Otherwise 503 naming what failed, so
  the balancer stops sending traffic until it recovers.

Both are answered by a middleware placed before SecurityMiddleware and CommonMiddleware: a probe
comes over plain HTTP from an address that is not in ALLOWED_HOSTS (the container itself, the
balancer), and must neither be redirected to HTTPS nor refused for its Host header.
"""

from __future__ import annotations

import logging
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

PROBE_PREFIX = "health"
WEIGHT_SUFFIXES = (".safetensors", ".pt", ".pth", ".bin", ".npz", ".onnx")


def check_database() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


# /readyz is public and polled every few seconds; a storage round trip (a write and a delete,
# on S3 two paid requests) is made at most once per this many seconds per process.
STORAGE_PROBE_TTL_SECONDS = 30.0
_storage_checked_at: float | None = None


def check_storage() -> str:
    """The media storage accepts a write and a delete; a success is reused for a while."""
    global _storage_checked_at
    now = time.monotonic()
    if _storage_checked_at is not None and now - _storage_checked_at < STORAGE_PROBE_TTL_SECONDS:
        return "ok"
    name = default_storage.save(
        f"{PROBE_PREFIX}/probe-{uuid.uuid4().hex}.txt", ContentFile(b"ready")
    )
    default_storage.delete(name)
    _storage_checked_at = time.monotonic()  # failures raise above and are not remembered
    return "ok"


def forget_storage_probe() -> None:
    global _storage_checked_at
    _storage_checked_at = None


def _weights_dir() -> Path:
    from django.conf import settings

    configured = settings.GENERATION_WEIGHTS_DIR
    if configured:
        return Path(configured)
    return Path(settings.BASE_DIR) / "generation" / "ml" / "weights"


def _engine_loaded() -> bool:
    # Only look, never import: generation.ml.engine is in sys.modules once something loaded the
    # engine, and its cached loader counts the engines it holds.
    module = sys.modules.get("generation.ml.engine")
    for name in ("_load_cached", "load_engine"):
        cache_info = getattr(getattr(module, name, None), "cache_info", None)
        if callable(cache_info) and cache_info().currsize:
            return True
    return False


def check_model() -> str:
    """'loaded' when this process holds the engine, 'loadable' when its weights are present.

    Never loads torch itself: readiness is polled every few seconds and must stay cheap.
    """
    weights = _weights_dir()
    if not weights.is_dir() or not any(
        path.suffix in WEIGHT_SUFFIXES for path in weights.rglob("*") if path.is_file()
    ):
        raise RuntimeError("the model weights are missing")
    return "loaded" if _engine_loaded() else "loadable"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "storage": check_storage,
    "model": check_model,
}


def readiness() -> tuple[bool, dict[str, str]]:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as error:
            # The class name tells an operator enough; the message may hold hosts or keys.
            logger.warning("readiness check failed", extra={"check": name, "code": "not_ready"})
            results[name] = f"failed: {error.__class__.__name__}"
    return all(not value.startswith("failed") for value in results.values()), results


def healthz(request: HttpRequest) -> HttpResponse:
    return _no_store(JsonResponse({"status": "ok"}))


def readyz(request: HttpRequest) -> HttpResponse:
    ready, results = readiness()
    if ready:
        return _no_store(JsonResponse({"status": "ready", "checks": results}))
    failing = [name for name, value in results.items() if value.startswith("failed")]
    body = {
        "code": "not_ready",
        "message": f"Not ready: {', '.join(failing)} failing.",
        "failing": failing,
        "checks": results,
    }
    response = JsonResponse(body, status=503)
    response["Retry-After"] = "5"
    # Django would log every unready poll as an ERROR; the warning above already names the check.
    response._has_been_logged = True  # type: ignore[attr-defined]  # Django's own flag
    return _no_store(response)


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {"/healthz": healthz, "/readyz": readyz}


class ProbeMiddleware:
    """Answer GET/HEAD /healthz and /readyz before host validation and the HTTPS redirect."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)
