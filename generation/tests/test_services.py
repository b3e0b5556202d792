"""Job rules that hold whatever the engine does: creation, limits, claiming, cancel, reaping,
deletion and retention. Jobs are queued with the dummy task backend so nothing runs them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from generation import services, uploads
from generation.models import Direction, Generation, GenerationResult, JourneyFrame, Status
from generation.services.run import _ProgressReporter
from tests.support import stored_files

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("queued_only")]


def create(user, upload, data, **options):
    options.setdefault("direction", Direction.ADULT_TO_CHILD)
    return services.generation_create(owner=user, upload=upload(data), **options)


def test_creating_a_job_stores_a_clean_input_under_the_owners_prefix(
    user, upload, astronaut_jpeg, media_root
):
    generation, created = create(user, upload, astronaut_jpeg, variants=3, seed=11)

    assert created
    assert generation.status == Status.QUEUED
    assert (generation.variants, generation.seed) == (3, 11)
    assert generation.input_image.startswith(f"generations/{user.pk}/{generation.pk}/input-")
    assert (generation.input_width, generation.input_height) == (512, 512)
    files = stored_files(media_root)
    assert len(files) == 2  # input and its preview
    assert all(f"generations/{user.pk}/" in str(path) for path in files)


def test_a_rejected_upload_leaves_no_file_and_no_row(user, upload, media_root):
    with pytest.raises(uploads.UploadError):
        create(user, upload, b"\xff\xd8\xff not really a jpeg")

    assert Generation.objects.count() == 0
    assert stored_files(media_root) == []


def test_invalid_parameters_are_rejected_with_field_errors(user, upload, astronaut_jpeg):
    with pytest.raises(services.InvalidGenerationParameters) as caught:
        create(
            user,
            upload,
            astronaut_jpeg,
            direction="old_to_young",
            variants=9,
            strength=1.5,
            seed=-1,
            face_index=8,
            journey_frames=1,
        )

    assert set(caught.value.extra["fields"]) == {
        "direction",
        "variants",
        "strength",
        "seed",
        "face",
        "journey",
    }
    assert Generation.objects.count() == 0


def test_the_same_idempotency_key_returns_the_same_job(user, other_user, upload, astronaut_jpeg):
    first, created_first = create(user, upload, astronaut_jpeg, idempotency_key="key-1")
    again, created_again = create(user, upload, astronaut_jpeg, idempotency_key="key-1")
    others, created_others = create(other_user, upload, astronaut_jpeg, idempotency_key="key-1")

    assert (created_first, created_again, created_others) == (True, False, True)
    assert again.pk == first.pk
    assert others.pk != first.pk
    assert Generation.objects.count() == 2


def test_the_daily_limit_refuses_with_429_and_says_when_to_retry(
    user, upload, astronaut_jpeg, settings, media_root
):
    settings.GENERATION_DAILY_LIMIT = 2
    create(user, upload, astronaut_jpeg)
    create(user, upload, astronaut_jpeg)
    files_before = stored_files(media_root)

    with pytest.raises(services.DailyLimitReached) as caught:
        create(user, upload, astronaut_jpeg)

    assert caught.value.status == 429
    assert 86_000 < caught.value.extra["retry_after"] <= 86_400
    assert Generation.objects.count() == 2
    assert stored_files(media_root) == files_before


def test_the_daily_limit_counts_only_the_last_24_hours(user, upload, astronaut_jpeg, settings):
    from stats.models import UsageRecord

    settings.GENERATION_DAILY_LIMIT = 1
    old, _ = create(user, upload, astronaut_jpeg)
    UsageRecord.objects.filter(generation_id=old.pk).update(
        accepted_at=timezone.now() - timedelta(hours=25)
    )

    create(user, upload, astronaut_jpeg)  # allowed again

    assert Generation.objects.count() == 2


def test_deleting_the_history_does_not_give_the_daily_quota_back(
    user, upload, astronaut_jpeg, settings
):
    from stats.models import UsageRecord

    settings.GENERATION_DAILY_LIMIT = 2
    create(user, upload, astronaut_jpeg)
    create(user, upload, astronaut_jpeg)
    services.generation_delete_all(owner=user)

    with pytest.raises(services.DailyLimitReached):
        create(user, upload, astronaut_jpeg)

    assert Generation.objects.count() == 0
    assert UsageRecord.objects.filter(user=user).count() == 2


def test_a_job_is_claimed_once(user, upload, astronaut_jpeg):
    generation, _ = create(user, upload, astronaut_jpeg)

    first = services.generation_claim(generation_id=generation.pk, worker_id="a")
    second = services.generation_claim(generation_id=generation.pk, worker_id="b")

    generation.refresh_from_db()
    assert (first, second) == (1, None)
    assert generation.status == Status.RUNNING
    assert generation.worker_id == "a"
    assert generation.lease_expires_at > timezone.now()


def test_running_a_job_that_is_not_queued_does_nothing(user, upload, astronaut_jpeg):
    generation, _ = create(user, upload, astronaut_jpeg)
    services.generation_cancel(generation=generation)

    assert services.generation_run(generation_id=generation.pk) == "skipped"
    generation.refresh_from_db()
    assert generation.status == Status.CANCELED


def test_canceling_a_queued_job_is_immediate(user, upload, astronaut_jpeg):
    generation, _ = create(user, upload, astronaut_jpeg)

    generation = services.generation_cancel(generation=generation)

    assert generation.status == Status.CANCELED
    assert generation.finished_at is not None


def test_canceling_a_running_job_asks_it_to_stop_at_the_next_stage(user, upload, astronaut_jpeg):
    generation, _ = create(user, upload, astronaut_jpeg)
    attempt = services.generation_claim(generation_id=generation.pk, worker_id="w")

    generation = services.generation_cancel(generation=generation)

    assert generation.status == Status.RUNNING
    assert generation.cancel_requested
    reporter = _ProgressReporter(generation_id=generation.pk, attempt=attempt)
    from generation.ml import TranslationCanceled

    with pytest.raises(TranslationCanceled):
        reporter("align", 30)


def test_progress_is_written_to_the_job_and_renews_its_lease(user, upload, astronaut_jpeg):
    generation, _ = create(user, upload, astronaut_jpeg)
    attempt = services.generation_claim(generation_id=generation.pk, worker_id="w")
    Generation.objects.filter(pk=generation.pk).update(lease_expires_at=timezone.now())

    _ProgressReporter(generation_id=generation.pk, attempt=attempt)("encode", 40)

    generation.refresh_from_db()
    assert (generation.stage, generation.percent) == ("encode", 38)
    assert generation.lease_expires_at > timezone.now() + timedelta(seconds=60)


def test_a_finished_job_cannot_be_canceled(user, upload, astronaut_jpeg):
    generation, _ = create(user, upload, astronaut_jpeg)
    Generation.objects.filter(pk=generation.pk).update(status=Status.SUCCEEDED)

    with pytest.raises(services.GenerationNotCancelable) as caught:
        services.generation_cancel(generation=generation)
    assert caught.value.status == 409


def _expire(generation: Generation) -> None:
    Generation.objects.filter(pk=generation.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )


def test_a_job_whose_worker_died_is_requeued_then_failed_after_the_last_attempt(
    user, upload, astronaut_jpeg, settings
):
    settings.GENERATION_MAX_ATTEMPTS = 3
    generation, _ = create(user, upload, astronaut_jpeg)
    for attempt in (1, 2):
        assert services.generation_claim(generation_id=generation.pk, worker_id="w") == attempt
        _expire(generation)
        report = services.generation_reap_stale()
        assert report.requeued == [generation.pk]
        generation.refresh_from_db()
        assert generation.status == Status.QUEUED

    services.generation_claim(generation_id=generation.pk, worker_id="w")
    _expire(generation)
    report = services.generation_reap_stale()

    generation.refresh_from_db()
    assert report.failed == [generation.pk]
    assert generation.status == Status.FAILED
    assert generation.error_code == "worker_lost"
    assert generation.attempts == 3
    user.usage_stats.refresh_from_db()
    assert (user.usage_stats.usage_count, user.usage_stats.images_count) == (1, 0)


def test_a_live_job_is_not_reaped(user, upload, astronaut_jpeg):
    generation, _ = create(user, upload, astronaut_jpeg)
    services.generation_claim(generation_id=generation.pk, worker_id="w")

    report = services.generation_reap_stale()

    assert report.requeued == report.failed == []


def test_a_stale_job_that_was_asked_to_stop_ends_canceled(user, upload, astronaut_jpeg, settings):
    settings.GENERATION_MAX_ATTEMPTS = 1
    generation, _ = create(user, upload, astronaut_jpeg)
    services.generation_claim(generation_id=generation.pk, worker_id="w")
    services.generation_cancel(generation=generation)
    _expire(generation)

    services.generation_reap_stale()

    generation.refresh_from_db()
    assert generation.status == Status.CANCELED


def test_a_worker_that_lost_its_lease_cannot_write_progress(user, upload, astronaut_jpeg):
    generation, _ = create(user, upload, astronaut_jpeg)
    old_attempt = services.generation_claim(generation_id=generation.pk, worker_id="old")
    _expire(generation)
    services.generation_reap_stale()
    services.generation_claim(generation_id=generation.pk, worker_id="new")
    from generation.ml import TranslationCanceled

    with pytest.raises(TranslationCanceled):
        _ProgressReporter(generation_id=generation.pk, attempt=old_attempt)("encode", 50)
    generation.refresh_from_db()
    assert generation.worker_id == "new"
    assert generation.stage == "starting"


def test_the_reap_command_reports_what_it_did(user, upload, astronaut_jpeg, capsys):
    generation, _ = create(user, upload, astronaut_jpeg)
    services.generation_claim(generation_id=generation.pk, worker_id="w")
    _expire(generation)

    call_command("reap_stale_generations")

    assert "requeued 1, failed 0" in capsys.readouterr().out


def test_deleting_a_job_removes_its_rows_and_files(
    user, upload, astronaut_jpeg, media_root, django_capture_on_commit_callbacks
):
    generation, _ = create(user, upload, astronaut_jpeg)
    GenerationResult.objects.create(
        generation=generation, variant_index=0, seed=1, composite=generation.input_image
    )
    JourneyFrame.objects.create(generation=generation, index=0, image=generation.thumbnail)

    with django_capture_on_commit_callbacks(execute=True):
        services.generation_delete(generation=generation)

    assert not Generation.objects.exists()
    assert not GenerationResult.objects.exists()
    assert stored_files(media_root) == []


def test_deleting_everything_of_one_person_keeps_the_others(
    user, other_user, upload, astronaut_jpeg, media_root, django_capture_on_commit_callbacks
):
    create(user, upload, astronaut_jpeg)
    create(user, upload, astronaut_jpeg)
    kept, _ = create(other_user, upload, astronaut_jpeg)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.generation_delete_all(owner=user) == 2

    assert list(Generation.objects.all()) == [kept]
    assert len(stored_files(media_root)) == 2


def test_purge_removes_finished_jobs_older_than_the_retention(
    user, upload, astronaut_jpeg, media_root, settings, django_capture_on_commit_callbacks, capsys
):
    settings.GENERATION_RETENTION_DAYS = 30
    old, _ = create(user, upload, astronaut_jpeg)
    old_running, _ = create(user, upload, astronaut_jpeg)
    recent, _ = create(user, upload, astronaut_jpeg)
    long_ago = timezone.now() - timedelta(days=31)
    Generation.objects.filter(pk=old.pk).update(created_at=long_ago, status=Status.SUCCEEDED)
    Generation.objects.filter(pk=old_running.pk).update(created_at=long_ago, status=Status.RUNNING)
    Generation.objects.filter(pk=recent.pk).update(status=Status.FAILED)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_generations")

    assert "deleted 1 generation(s) older than 30 day(s)" in capsys.readouterr().out
    assert set(Generation.objects.values_list("pk", flat=True)) == {old_running.pk, recent.pk}
    assert len(stored_files(media_root)) == 4


def test_purge_takes_the_retention_from_the_command_line(
    user, upload, astronaut_jpeg, django_capture_on_commit_callbacks
):
    generation, _ = create(user, upload, astronaut_jpeg)
    Generation.objects.filter(pk=generation.pk).update(
        created_at=timezone.now() - timedelta(days=3), status=Status.CANCELED
    )

    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_generations", "--days", "2", stdout=None)

    assert not Generation.objects.exists()


def test_the_directions_match_the_engine():
    from generation.ml import DIRECTIONS

    assert tuple(Direction.values) == tuple(DIRECTIONS)


def test_the_limit_message_says_how_long_to_wait(user, upload, astronaut_jpeg, settings):
    from stats.models import UsageRecord

    settings.GENERATION_DAILY_LIMIT = 1
    first, _ = create(user, upload, astronaut_jpeg)
    UsageRecord.objects.filter(generation_id=first.pk).update(
        accepted_at=timezone.now() - timedelta(hours=23, minutes=30)
    )
    with pytest.raises(services.DailyLimitReached) as minutes:
        create(user, upload, astronaut_jpeg)
    UsageRecord.objects.filter(generation_id=first.pk).update(
        accepted_at=timezone.now() - timedelta(hours=23, minutes=59, seconds=30)
    )
    with pytest.raises(services.DailyLimitReached) as seconds:
        create(user, upload, astronaut_jpeg)

    assert "Try again in 30 min" in minutes.value.message
    assert seconds.value.message.endswith(" s.")


def test_a_job_whose_input_vanished_fails_with_an_internal_error(
    user, upload, astronaut_jpeg, media_root
):
    generation, _ = create(user, upload, astronaut_jpeg)
    (media_root / generation.input_image).unlink()

    assert services.generation_run(generation_id=generation.pk) == Status.FAILED

    generation.refresh_from_db()
    assert generation.error_code == "internal_error"
    assert generation.lease_expires_at is None


def test_a_job_deleted_right_after_its_claim_is_skipped(user, upload, astronaut_jpeg):
    generation, _ = create(user, upload, astronaut_jpeg)
    attempt = services.generation_claim(generation_id=generation.pk, worker_id="w")
    Generation.objects.filter(pk=generation.pk).delete()

    assert services.generation_execute(generation_id=generation.pk, attempt=attempt) == "skipped"


def test_purge_works_through_many_jobs_in_batches(
    user, upload, astronaut_jpeg, django_capture_on_commit_callbacks
):
    source, _ = create(user, upload, astronaut_jpeg)
    Generation.objects.bulk_create(
        [
            Generation(owner=user, direction=source.direction, input_image="", status=Status.FAILED)
            for _ in range(205)
        ]
    )
    Generation.objects.update(created_at=timezone.now() - timedelta(days=40))
    Generation.objects.filter(pk=source.pk).update(status=Status.SUCCEEDED)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.generation_purge_expired() == 206
    assert not Generation.objects.exists()


def test_deleting_a_job_also_sweeps_files_its_rows_do_not_know(
    user, upload, astronaut_jpeg, media_root, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    generation, _ = create(user, upload, astronaut_jpeg)
    # What a worker killed while saving leaves behind: a file no row points to.
    default_storage.save(f"generations/{user.pk}/{generation.pk}/result-x.jpg", ContentFile(b"x"))

    with django_capture_on_commit_callbacks(execute=True):
        services.generation_delete(generation=generation)

    assert stored_files(media_root) == []
    assert not (media_root / "generations" / str(user.pk) / str(generation.pk)).exists()


def test_with_the_database_backend_the_task_is_queued_in_the_same_transaction(
    user, upload, astronaut_jpeg, settings
):
    from django_tasks_db.models import DBTaskResult

    from tests.support import DATABASE

    settings.TASKS = DATABASE
    generation, _ = create(user, upload, astronaut_jpeg)  # no on-commit hooks run in this test

    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [str(generation.pk)]
    assert task.task_path == "generation.tasks.run_generation"
