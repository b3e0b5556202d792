"""What finished jobs leave behind for operators (metrics, log lines), and how the embedded
default recovers jobs whose process died before running them."""

from __future__ import annotations

import io
import json
import logging
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from generation import services
from generation.models import Direction, Generation, GenerationResult, Status
from generation.tasks import run_generation
from lightsb_site.log import JsonFormatter
from tests.support import DATABASE

pytestmark = pytest.mark.django_db


def metric(client, name: str, **labels: str) -> float:
    """One sample of /metrics (0 when absent); the registry is per process, so compare deltas."""
    text = client.get("/metrics").content.decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_PUBLIC = True

    def read(name: str, **labels: str) -> float:
        return metric(client, name, **labels)

    return read


def queue(user, upload, photo: bytes, direction: str = Direction.CHILD_TO_ADULT) -> Generation:
    generation, _ = services.generation_create(
        owner=user, upload=upload(photo), direction=direction, variants=2, seed=5
    )
    return generation


# --- Metrics ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("queued_only")
def test_a_finished_generation_is_timed_in_the_metrics_for_its_direction(
    user, upload, astronaut_jpeg, scrape
):
    labels = {"direction": Direction.CHILD_TO_ADULT, "stage": "total"}
    timed_before = scrape("lightsb_generation_stage_seconds_count", **labels)
    done_before = scrape(
        "lightsb_generations_total", direction=Direction.CHILD_TO_ADULT, status="succeeded"
    )
    generation = queue(user, upload, astronaut_jpeg)

    assert services.generation_run(generation_id=generation.pk) == Status.SUCCEEDED

    assert scrape("lightsb_generation_stage_seconds_count", **labels) == timed_before + 1
    assert scrape("lightsb_generation_stage_seconds_sum", **labels) > 0
    detect = {"direction": Direction.CHILD_TO_ADULT, "stage": "detect"}
    assert scrape("lightsb_generation_stage_seconds_count", **detect) >= 1
    done = scrape(
        "lightsb_generations_total", direction=Direction.CHILD_TO_ADULT, status="succeeded"
    )
    assert done == done_before + 1


@pytest.mark.usefixtures("queued_only")
def test_a_failed_generation_counts_its_error_code_in_the_metrics(user, upload, blank_jpeg, scrape):
    labels = {"direction": Direction.MALE_TO_FEMALE, "code": "no_face_detected"}
    before = scrape("lightsb_generation_failures_total", **labels)
    generation = queue(user, upload, blank_jpeg, direction=Direction.MALE_TO_FEMALE)

    assert services.generation_run(generation_id=generation.pk) == Status.FAILED

    assert scrape("lightsb_generation_failures_total", **labels) == before + 1


@pytest.mark.usefixtures("queued_only")
def test_a_canceled_queued_job_is_counted_once_as_canceled(user, upload, astronaut_jpeg, scrape):
    labels = {"direction": Direction.FEMALE_TO_MALE, "status": "canceled"}
    before = scrape("lightsb_generations_total", **labels)
    generation = queue(user, upload, astronaut_jpeg, direction=Direction.FEMALE_TO_MALE)

    services.generation_cancel(generation=generation)
    services.generation_cancel(generation=generation)  # asking twice changes nothing

    assert scrape("lightsb_generations_total", **labels) == before + 1


@pytest.mark.usefixtures("queued_only")
def test_a_job_the_reaper_gives_up_is_counted_as_worker_lost(
    user, upload, astronaut_jpeg, scrape, settings
):
    settings.GENERATION_MAX_ATTEMPTS = 1
    labels = {"direction": Direction.CHILD_TO_ADULT, "code": "worker_lost"}
    before = scrape("lightsb_generation_failures_total", **labels)
    generation = queue(user, upload, astronaut_jpeg)
    services.generation_claim(generation_id=generation.pk, worker_id="dead")
    Generation.objects.filter(pk=generation.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert services.generation_reap_stale().failed == [generation.pk]
    services.generation_reap_stale()

    assert scrape("lightsb_generation_failures_total", **labels) == before + 1


# --- Log lines -------------------------------------------------------------------------------


@pytest.fixture
def json_log_lines():
    """Log lines of the generation services, formatted as production writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("generation.services")
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


@pytest.mark.usefixtures("queued_only")
def test_log_lines_written_while_a_job_runs_carry_its_generation_id(
    user, upload, astronaut_jpeg, media_root, json_log_lines
):
    generation = queue(user, upload, astronaut_jpeg)
    (media_root / generation.input_image).unlink()  # makes the job log an unexpected error

    assert run_generation.call(str(generation.pk)) == Status.FAILED

    lines = [line for line in json_log_lines() if "failed unexpectedly" in line["message"]]
    assert len(lines) == 1
    assert lines[0]["generation_id"] == str(generation.pk)
    logging.getLogger("generation.services").warning("after the job")
    assert "generation_id" not in json_log_lines()[-1]


# --- Immediate mode: a job whose process died before running it -----------------------------


def _age(generation: Generation, seconds: int) -> None:
    Generation.objects.filter(pk=generation.pk).update(
        created_at=timezone.now() - timedelta(seconds=seconds)
    )


@pytest.fixture
def stranded(immediate, user, upload, astronaut_jpeg):
    """A job committed in immediate mode whose run never happened (the test transaction never
    commits, so its on-commit run is never called: exactly what a dead process leaves)."""
    generation = queue(user, upload, astronaut_jpeg)
    assert Generation.objects.get(pk=generation.pk).status == Status.QUEUED
    return generation


def test_in_immediate_mode_a_job_queued_too_long_fails_with_worker_lost(
    stranded, user, settings, scrape
):
    settings.GENERATION_QUEUED_TIMEOUT_SECONDS = 600
    failures = {"direction": Direction.CHILD_TO_ADULT, "code": "worker_lost"}
    before = scrape("lightsb_generation_failures_total", **failures)
    _age(stranded, 601)

    report = services.generation_reap_stale()
    services.generation_reap_stale()  # a second pass must not count it again

    assert report.failed == [stranded.pk]
    stranded.refresh_from_db()
    assert stranded.status == Status.FAILED
    assert stranded.error_code == "worker_lost"
    assert "server stopped before it could start" in stranded.error_message
    assert stranded.finished_at is not None
    assert not GenerationResult.objects.filter(generation=stranded).exists()
    user.usage_stats.refresh_from_db()
    assert (user.usage_stats.usage_count, user.usage_stats.images_count) == (1, 0)
    assert scrape("lightsb_generation_failures_total", **failures) == before + 1


def test_in_immediate_mode_a_recently_queued_job_is_left_alone(stranded, settings):
    settings.GENERATION_QUEUED_TIMEOUT_SECONDS = 600
    _age(stranded, 599)

    assert services.generation_reap_stale().failed == []
    stranded.refresh_from_db()
    assert stranded.status == Status.QUEUED


def test_with_worker_processes_a_long_queued_job_keeps_waiting(
    user, upload, astronaut_jpeg, settings
):
    settings.TASKS = DATABASE
    generation = queue(user, upload, astronaut_jpeg)
    _age(generation, 3600)

    assert services.generation_reap_stale().failed == []
    generation.refresh_from_db()
    assert generation.status == Status.QUEUED


def test_the_reap_command_fails_stranded_jobs(stranded, capsys):
    _age(stranded, 10_000)

    call_command("reap_stale_generations")

    assert "requeued 0, failed 1" in capsys.readouterr().out


def test_starting_any_job_fails_stranded_jobs_first(stranded):
    _age(stranded, 10_000)

    assert run_generation.call(str(uuid.uuid4())) == "skipped"

    stranded.refresh_from_db()
    assert stranded.status == Status.FAILED


def test_a_stranded_job_can_be_run_again_from_its_input(stranded, user, run_on_commit):
    _age(stranded, 10_000)
    services.generation_reap_stale()
    stranded.refresh_from_db()

    with run_on_commit():
        again = services.generation_rerun(source=stranded, owner=user, same_seed=True)

    again.refresh_from_db()
    assert again.status == Status.SUCCEEDED, again.error_message
    assert again.results.count() == 2
