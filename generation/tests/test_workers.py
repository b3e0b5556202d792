"""Production execution on PostgreSQL: `manage.py db_worker` processes with the real engine,
two workers competing, a worker killed mid-job, and concurrent posts with one idempotency key.

These need PostgreSQL (row locks, a database several processes share); on SQLite they skip.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.utils import timezone
from PIL import Image

from generation import services
from generation.models import Direction, Generation, Status
from tests.support import DATABASE, DUMMY, encode, stored_files

ROOT = Path(django_settings.BASE_DIR)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL (set DATABASE_URL)",
    ),
]


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str, logs=()) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    output = "\n".join(path.read_text()[-3000:] for path in logs if path.exists())
    raise AssertionError(f"timed out waiting for {what}\n{output}")


class Workers:
    """Starts `manage.py db_worker` processes against the test database."""

    def __init__(self, tmp_path: Path, media_root: Path) -> None:
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DATABASE_URL": (
                f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                f"/{db['NAME']}"
            ),
            "TASKS_BACKEND": "database",
            "LIGHTSB_TESTING": "1",
            "MEDIA_ROOT": str(media_root),
            "DJANGO_DEBUG": "true",
            "LOG_LEVEL": "WARNING",
        }
        if db.get("PASSWORD"):
            self.env["PGPASSWORD"] = db["PASSWORD"]
        self.tmp_path = tmp_path
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def start(self, name: str) -> subprocess.Popen:
        log = self.tmp_path / f"{name}.log"
        self.logs.append(log)
        with log.open("w") as handle:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "db_worker",
                    "--no-reload",
                    "--interval",
                    "0.2",
                    "--no-startup-delay",
                    "--worker-id",
                    name,
                ],
                cwd=ROOT,
                env=self.env,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def workers(tmp_path, media_root, settings) -> Iterator[Workers]:
    settings.TASKS = DATABASE
    pool = Workers(tmp_path, media_root)
    yield pool
    pool.stop_all()


def queue_job(user, photo: bytes, **options) -> Generation:
    options.setdefault("direction", Direction.MALE_TO_FEMALE)
    upload = SimpleUploadedFile("me.jpg", photo, content_type="image/jpeg")
    return services.generation_create(owner=user, upload=upload, **options)[0]


def status_of(generation: Generation) -> str:
    return Generation.objects.values_list("status", flat=True).get(pk=generation.pk)


def test_a_db_worker_process_runs_a_queued_job_with_the_real_engine(
    workers, user, astronaut_jpeg, media_root
):
    generation = queue_job(user, astronaut_jpeg, variants=4)
    assert generation.status == Status.QUEUED

    workers.start("solo")
    wait_for(
        lambda: status_of(generation) in (Status.SUCCEEDED, Status.FAILED),
        timeout=240,
        what="the worker to finish the job",
        logs=workers.logs,
    )

    generation.refresh_from_db()
    assert generation.status == Status.SUCCEEDED, generation.error_message
    assert generation.results.count() == 4
    assert generation.attempts == 1
    assert generation.faces_found >= 1
    assert len(stored_files(media_root)) >= 1 + 4 * 2
    user.usage_stats.refresh_from_db()
    assert (user.usage_stats.usage_count, user.usage_stats.images_count) == (1, 4)


def test_two_workers_competing_run_each_job_exactly_once(workers, user, astronaut_jpeg):
    from django_tasks_db.models import DBTaskResult

    from generation.tasks import run_generation

    jobs = [queue_job(user, astronaut_jpeg, variants=1) for _ in range(4)]
    for job in jobs:  # every job is in the queue twice: both workers may try each one
        run_generation.enqueue(str(job.pk))

    workers.start("first")
    workers.start("second")
    wait_for(
        lambda: (
            not Generation.objects.filter(status__in=[Status.QUEUED, Status.RUNNING]).exists()
            and not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()
        ),
        timeout=300,
        what="both workers to drain the queue",
        logs=workers.logs,
    )

    for job in jobs:
        job.refresh_from_db()
        assert job.status == Status.SUCCEEDED, job.error_message
        assert job.attempts == 1
        assert job.results.count() == 1
    outcomes = sorted(DBTaskResult.objects.values_list("return_value", flat=True))
    assert outcomes == ["skipped"] * 4 + ["succeeded"] * 4


def test_a_job_of_a_killed_worker_is_reaped_and_retried_by_the_next_worker(
    workers, user, astronaut_jpeg, astronaut_array
):
    # A large photo and many outputs keep the job busy long enough to kill its worker mid-way.
    large = encode(Image.fromarray(astronaut_array).resize((2048, 2048)), "JPEG", quality=95)
    doomed = queue_job(user, large, variants=8, journey_frames=16)
    victim = workers.start("victim")
    wait_for(
        lambda: status_of(doomed) == Status.RUNNING,
        timeout=240,
        what="the first worker to start the job",
        logs=workers.logs,
    )
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    doomed.refresh_from_db()
    assert doomed.status == Status.RUNNING  # stuck until its lease runs out
    # Let the lease run out (the same as waiting GENERATION_LEASE_SECONDS).
    Generation.objects.filter(pk=doomed.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )

    # The next worker reaps before its own job, then retries the dead one.
    other = queue_job(user, astronaut_jpeg, variants=1)
    workers.start("rescuer")
    wait_for(
        lambda: status_of(doomed) == Status.SUCCEEDED and status_of(other) == Status.SUCCEEDED,
        timeout=300,
        what="the rescuer to finish both jobs",
        logs=workers.logs,
    )
    doomed.refresh_from_db()
    assert doomed.attempts == 2
    assert doomed.results.count() == 8
    assert doomed.journey.count() == 16


def test_concurrent_claims_let_exactly_one_worker_win(user, astronaut_jpeg, settings):
    settings.TASKS = DUMMY
    generation = queue_job(user, astronaut_jpeg)
    barrier = threading.Barrier(8)
    results: list[int | None] = []

    def claim(number: int) -> None:
        try:
            barrier.wait()
            results.append(
                services.generation_claim(generation_id=generation.pk, worker_id=f"w{number}")
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results, key=lambda value: value or 0) == [None] * 7 + [1]


def test_concurrent_posts_with_one_idempotency_key_make_one_job(
    user, api_login, astronaut_jpeg, settings, media_root
):
    from rest_framework.test import APIClient

    settings.TASKS = DUMMY
    token = api_login(user)["access"]
    barrier = threading.Barrier(6)
    responses = []

    def post() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            barrier.wait()
            responses.append(
                client.post(
                    "/api/generate",
                    {
                        "file": SimpleUploadedFile("me.jpg", astronaut_jpeg, "image/jpeg"),
                        "direction": "adult_to_child",
                    },
                    format="multipart",
                    headers={"Idempotency-Key": "same-key"},
                )
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(response.status_code for response in responses) == [200] * 5 + [202]
    assert len({response.json()["id"] for response in responses}) == 1
    assert Generation.objects.count() == 1
    assert len(stored_files(media_root)) == 2  # the losers left nothing behind
