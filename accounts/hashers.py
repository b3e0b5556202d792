"""Password hashing that cannot starve the rest of the service.

Argon2id is memory- and CPU-hard on purpose, so a burst of registrations and log-ins would, left
alone, take every core and push read latency into seconds (docs/benchmarks.md). Two guards:

- parameters at OWASP's first Argon2id line (19 MiB, 2 passes, 1 lane): one hash is one core
  for tens of milliseconds instead of eight lanes over 100 MiB;
- a per-process gate: at most ``PASSWORD_HASHING_CONCURRENCY`` hashes run at once, each in a
  thread of a small pool whose niceness is raised, so the scheduler prefers request threads that
  read. The others wait their turn; one that would wait more than
  ``PASSWORD_HASHING_WAIT_SECONDS`` gets ``HashingBusy`` (503 with Retry-After) instead of
  holding a gunicorn thread.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

from accounts.errors import HashingBusy

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Niceness added to the hashing threads (Linux applies os.nice to the calling thread only).
HASHING_THREAD_NICENESS = 10


def _lower_thread_priority() -> None:
    try:
        os.nice(HASHING_THREAD_NICENESS)
    except OSError:  # pragma: no cover - a platform that refuses: run at normal priority
        logger.info("could not lower the priority of the password-hashing thread")


class HashingGate:
    """At most ``limit`` hashes at once; the rest wait up to ``wait_seconds`` for a slot."""

    def __init__(self, *, limit: int, wait_seconds: float):
        self.limit = limit
        self.wait_seconds = wait_seconds
        self._slots = threading.BoundedSemaphore(limit)
        self._pool = ThreadPoolExecutor(
            max_workers=limit,
            thread_name_prefix="password-hash",
            initializer=_lower_thread_priority,
        )
        self._lock = threading.Lock()
        self.running = 0
        self.peak = 0

    @contextlib.contextmanager
    def _slot(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=self.wait_seconds):
            raise HashingBusy(retry_after=max(1, round(self.wait_seconds)))
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            yield
        finally:
            with self._lock:
                self.running -= 1
            self._slots.release()

    def run(self, work: Callable[[], T]) -> T:
        """Run ``work`` in a low-priority hashing thread once a slot is free."""
        with self._slot():
            # The pool has one thread per slot, so the job starts at once.
            return self._pool.submit(work).result()


@functools.cache
def hashing_gate() -> HashingGate:
    """The gate of this process, sized from the settings the first time it is used."""
    return HashingGate(
        limit=settings.PASSWORD_HASHING_CONCURRENCY,
        wait_seconds=settings.PASSWORD_HASHING_WAIT_SECONDS,
    )


class LightSBArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at m=19 MiB, t=2, p=1, behind the process's hashing gate.

    Listed first in PASSWORD_HASHERS, so a hash made with Django's default parameters
    (100 MiB, p=8) verifies as before and is re-encoded with these at the next log-in
    (``must_update``). The algorithm name stays ``argon2``: the stored parameters say which.
    """

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1

    def encode(self, password: str, salt: str) -> str:
        encode = super().encode
        return hashing_gate().run(lambda: encode(password, salt))

    def verify(self, password: str, encoded: str) -> bool:
        verify = super().verify
        return hashing_gate().run(lambda: verify(password, encoded))
