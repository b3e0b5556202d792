"""The one module on the Django side that loads ``generation.ml``'s engine.

The engine is loaded once per process (and per weights folder): the first call of
:func:`get_engine` loads it, which is also when torch's thread count is set, once; gunicorn's
``post_worker_init`` calls :func:`warm_up` so that the first job does not wait. Nothing is
loaded at import time, so ``manage.py migrate`` does not import torch. Callers use the returned
``Engine`` directly (``get_engine().translate(...)``) and catch ``generation.ml``'s errors.
"""

from __future__ import annotations

import functools
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
