"""The one module on the Django side that loads ``generation.ml``'s engine.

The engine is loaded once per process (and per weights folder): the first call of
:func:`get_engine` loads it, which is also when torch's thread count is set, once; gunicorn's
``post_worker_init`` calls :func:`warm_up` so that the first job does not wait. Nothing is
loaded at import time, so ``manage.py migrate`` does not import torch. Callers use the returned
``Engine`` directly (``get_engine().translate(...)``) and catch ``generation.ml``'s errors.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import logging
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from generation.ml import Engine

logger = logging.getLogger(__name__)


@functools.cache
def _load(weights_dir: str) -> Engine:
    from generation.ml import load_engine

    return load_engine(weights_dir or None)


def get_engine() -> Engine:
    """The process-wide engine (loaded on first use, then reused)."""
    return _load(settings.GENERATION_WEIGHTS_DIR)


def warm_up() -> dict[str, Any]:
    """Load the engine now, so the first job of this process does not pay for it."""
    started = time.perf_counter()
    info = get_engine().info()
    logger.info("engine ready in %.2fs: %s", time.perf_counter() - started, info)
    return info


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:  # pragma: no cover - no C library to load
        return None


def release_memory() -> None:
    """Give a finished job's memory back to the system. A job allocates a few hundred MB of
    short-lived buffers; glibc keeps freed heap for reuse unless asked, so without this a
    worker would hold its largest job's peak for ever."""
    gc.collect()
    libc = _libc()
    trim = getattr(libc, "malloc_trim", None) if libc is not None else None
    if trim is not None:
        trim(0)
