"""Fault injection: a full disk, concurrent SQLite writers, a worker killed with SIGKILL.

- Storage full: the storage raises ENOSPC (leaving a zero-byte file behind, as a real full
  disk does) while a job saves its results or while an upload is stored. The job fails with a
  reason, nothing is half-written in the database, and no zero-byte or orphan file remains.
- SQLite, the embedded default, under 20 concurrent writer threads: no "database is locked"
  (bench/sqlite_writers.py prints the figure; DEFERRED transactions are the control).
- PostgreSQL stopped: bench/pg_outage.sh does it for real under load; the answers it relies on
  (503, JSON under /api/, never a 500) are checked here.
- ``kill -9`` of a ``db_worker`` mid-job: generation/tests/test_workers.py covers the retry by
  the next worker (PostgreSQL); here the job of a worker killed on every attempt ends failed
  with a reason, never stuck in running, and no file outlives its job.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from generation import services
from generation.models import Generation, GenerationResult, Status
from lightsb_site.db_unavailable import DatabaseUnavailableMiddleware
from tests.support import DUMMY, multipart_body, stored_files

ROOT = Path(__file__).resolve().parents[1]
FULL_DISK = "tests.test_faults.FullDiskStorage"


class FullDiskStorage(FileSystemStorage):
    """Local storage with room for ``room`` more files; the next save creates its file, writes
    nothing and raises ENOSPC, like a write on a full disk."""

    room = 0

    def _save(self, name, content):
        if FullDiskStorage.room <= 0:
            path = Path(self.path(name))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        FullDiskStorage.room -= 1
        return super()._save(name, content)


def use_full_disk(settings, *, room: int) -> None:
    FullDiskStorage.room = room
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": FULL_DISK}}


def referenced_files(root: Path) -> set[Path]:
    names: set[str] = set()
    for job in Generation.objects.prefetch_related("results", "journey"):
        names.update(job.file_names())
    return {root / name for name in names}


def assert_no_stray_files(root: Path) -> None:
    files = stored_files(root)
    assert [path for path in files if path.stat().st_size == 0] == []
    assert set(files) == referenced_files(root)


@pytest.fixture
def queued_job(user, portrait_jpeg, media_root, settings) -> Generation:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.TASKS = DUMMY
    upload = SimpleUploadedFile("me.jpg", portrait_jpeg, content_type="image/jpeg")
    job, _ = services.generation_create(
        owner=user, upload=upload, direction="male_to_female", variants=4, seed=3
    )
    return job


@pytest.mark.django_db
@pytest.mark.parametrize("room", [0, 3])
def test_a_full_disk_while_saving_results_fails_the_job_with_a_reason(
    room, queued_job, user, media_root, settings
):
    use_full_disk(settings, room=room)  # the 1st or the 4th result file hits the full disk

    outcome = services.generation_run(generation_id=queued_job.pk, worker_id="test")

    queued_job.refresh_from_db()
    assert outcome == Status.FAILED
    assert queued_job.status == Status.FAILED
    assert queued_job.error_code == "storage_unavailable"
    assert "space" in queued_job.error_message.lower() or "stor" in queued_job.error_message
    assert queued_job.lease_expires_at is None
    assert not GenerationResult.objects.filter(generation=queued_job).exists()
    assert_no_stray_files(media_root)
    user.usage_stats.refresh_from_db()
    assert (user.usage_stats.usage_count, user.usage_stats.images_count) == (1, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("room", [0, 1])
def test_a_full_disk_during_an_upload_is_a_clean_503_with_nothing_left(
    room, user, api_login, portrait_jpeg, media_root, settings
):
    settings.TASKS = DUMMY
    use_full_disk(settings, room=room)  # the input (0) or the thumbnail (1) hits it
    client = Client(raise_request_exception=False)
    body, content_type = multipart_body(
        fields={"direction": "male_to_female"},
        file_name="me.jpg",
        data=portrait_jpeg,
        content_type="image/jpeg",
    )

    response = client.generic(
        "POST",
        "/api/generate",
        data=body,
        content_type=content_type,
        HTTP_AUTHORIZATION=f"Bearer {api_login(user)['access']}",
    )

    assert response.status_code == 503, response.content
    assert response.json()["code"] == "storage_unavailable"
    assert response.json()["message"]
    assert response.has_header("Retry-After")
    assert Generation.objects.count() == 0
    assert stored_files(media_root) == []


def run_sqlite_writers(*extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH"}}
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "sqlite_writers.py"), *extra],
        cwd=ROOT,
        env={**env, "LOG_LEVEL": "ERROR"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.stdout.strip(), result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_twenty_concurrent_sqlite_writers_never_see_database_is_locked():
    figures = run_sqlite_writers("--writers", "20", "--rounds", "10")

    assert figures["locked_errors"] == 0
    assert figures["other_errors"] == []
    assert figures["transactions"] == 20 * 10 * 4
    assert figures["hot_row_count"] == 20 * 10  # no lost update on the shared row


def test_the_sqlite_writer_bench_does_detect_locking_with_deferred_transactions():
    # The control: SQLite's default DEFERRED mode fails the same workload, so the test above
    # passes because of the IMMEDIATE setting, not because the workload is too gentle.
    figures = run_sqlite_writers("--writers", "20", "--rounds", "5", "--deferred")

    assert figures["locked_errors"] > 0


@pytest.mark.django_db
def test_a_job_whose_worker_dies_on_every_attempt_ends_failed_not_running(
    queued_job, user, media_root, settings
):
    # A worker that dies leaves the job running with a lease; the reaper (run by every worker
    # before its own job, and by `manage.py reap_stale_generations`) takes it from there.
    settings.GENERATION_MAX_ATTEMPTS = 2
    for attempt in (1, 2):
        assert services.generation_claim(generation_id=queued_job.pk, worker_id=f"w{attempt}")
        Generation.objects.filter(pk=queued_job.pk).update(
            lease_expires_at=timezone.now() - timedelta(seconds=1)
        )
        report = services.generation_reap_stale()
        queued_job.refresh_from_db()
        if attempt == 1:
            assert report.requeued == [queued_job.pk]
            assert queued_job.status == Status.QUEUED

    assert queued_job.status == Status.FAILED
    assert queued_job.error_code == "worker_lost"
    assert queued_job.error_message
    assert_no_stray_files(media_root)
    assert not Generation.objects.filter(status=Status.RUNNING).exists()


class TestDatabaseOutageAnswers:
    """The mapping that bench/pg_outage.sh proves end to end against a stopped PostgreSQL."""

    @staticmethod
    def failing_view(request):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')

    def test_a_page_gets_an_html_503_with_retry_after(self, rf):
        middleware = DatabaseUnavailableMiddleware(self.failing_view)

        response = middleware(rf.get("/accounts/profile/"))

        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        assert b"Back in a moment" in response.content

    def test_an_api_call_gets_a_json_503(self, rf):
        middleware = DatabaseUnavailableMiddleware(self.failing_view)
        request = rf.get("/api/user")

        response = middleware.process_exception(request, OperationalError("down"))

        assert response.status_code == 503
        assert json.loads(response.content)["code"] == "service_unavailable"

    def test_other_errors_are_left_to_the_usual_handlers(self, rf):
        middleware = DatabaseUnavailableMiddleware(self.failing_view)

        assert middleware.process_exception(rf.get("/"), ValueError("bug")) is None

    def test_the_500_handler_answers_503_when_the_database_is_the_cause(self, rf):
        from lightsb_site.views import server_error

        try:
            raise OperationalError("down")
        except OperationalError:
            response = server_error(rf.get("/api/stats", HTTP_ACCEPT="application/json"))

        assert response.status_code == 503
        assert json.loads(response.content)["message"]
