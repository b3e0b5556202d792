"""/metrics: what it exposes, and who may read it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from lightsb_site.metrics import observe_generation

pytestmark = pytest.mark.django_db
ROOT = Path(django_settings.BASE_DIR)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float | None:
    return samples(text).get((name, tuple(sorted(labels.items()))))


@pytest.fixture
def private_metrics(settings):
    settings.METRICS_PUBLIC = False
    settings.METRICS_TOKEN = "scrape-token-for-tests"
    return settings


def test_metrics_are_public_when_the_setting_allows(client, settings):
    settings.METRICS_PUBLIC = True

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")


def test_metrics_refuse_an_anonymous_visitor_in_production(client, private_metrics):
    response = client.get("/metrics")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_metrics_refuse_a_wrong_token(client, private_metrics):
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token")

    assert response.status_code == 403


def test_metrics_refuse_any_token_when_none_is_configured(client, private_metrics):
    private_metrics.METRICS_TOKEN = ""

    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer ")

    assert response.status_code == 403


def test_metrics_accept_the_configured_bearer_token(client, private_metrics):
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-for-tests")

    assert response.status_code == 200


def test_metrics_accept_a_staff_session_but_not_a_plain_user(
    client, private_metrics, django_user_model
):
    plain = django_user_model.objects.create_user(
        username="plainuser", email="plain@example.com", password="correct horse battery"
    )
    staff = django_user_model.objects.create_user(
        username="opsuser", email="ops@example.com", password="correct horse battery", role="staff"
    )
    client.force_login(plain)
    assert client.get("/metrics").status_code == 403

    client.force_login(staff)
    assert client.get("/metrics").status_code == 200


def test_metrics_record_request_latency_by_route(client, settings):
    settings.METRICS_PUBLIC = True
    before = value(
        client.get("/metrics").content.decode(),
        "lightsb_http_request_duration_seconds_count",
        method="GET",
        route="about/",
        status="200",
    )

    client.get("/about/")
    after = value(
        client.get("/metrics").content.decode(),
        "lightsb_http_request_duration_seconds_count",
        method="GET",
        route="about/",
        status="200",
    )

    assert (after or 0) == (before or 0) + 1


def test_metrics_label_unknown_addresses_as_unmatched_not_by_path(client, settings):
    settings.METRICS_PUBLIC = True
    client.get("/no-such-page-4711/")

    text = client.get("/metrics").content.decode()

    assert "no-such-page-4711" not in text
    assert 'route="<unmatched>"' in text


def test_observe_generation_records_stage_latency_and_failures_by_code(client, settings):
    settings.METRICS_PUBLIC = True
    observe_generation(
        direction="male_to_female",
        timings={"detect": 0.2, "transport": 0.05, "total": 0.4},
        status="succeeded",
    )
    observe_generation(
        direction="child_to_adult", timings={}, status="failed", error_code="no_face_detected"
    )

    text = client.get("/metrics").content.decode()

    assert value(
        text,
        "lightsb_generation_stage_seconds_count",
        direction="male_to_female",
        stage="transport",
    )
    assert value(text, "lightsb_generations_total", direction="male_to_female", status="succeeded")
    assert value(
        text,
        "lightsb_generation_failures_total",
        direction="child_to_adult",
        code="no_face_detected",
    )


def test_queue_depth_counts_waiting_and_running_tasks(client, settings):
    settings.METRICS_PUBLIC = True
    now = timezone.now()
    common = {
        "args_kwargs": {"args": [], "kwargs": {}},
        "task_path": "generation.tasks.run_generation",
        "backend_name": "default",
        "run_after": now,
    }
    for _ in range(3):
        DBTaskResult.objects.create(status="READY", **common)
    DBTaskResult.objects.create(status="RUNNING", **common)
    DBTaskResult.objects.create(status="SUCCESSFUL", **common)
    DBTaskResult.objects.filter(status="READY").update(enqueued_at=now - timedelta(seconds=90))

    text = client.get("/metrics").content.decode()

    assert value(text, "lightsb_task_queue_depth", state="ready") == 3
    assert value(text, "lightsb_task_queue_depth", state="running") == 1
    assert value(text, "lightsb_task_queue_oldest_ready_seconds") >= 90


def test_multiprocess_mode_adds_up_the_counters_of_every_process(tmp_path):
    # Two separate processes record a generation; a third renders /metrics from the files.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lightsb_site.settings",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "LIGHTSB_TESTING": "1",
        "METRICS_PUBLIC": "1",
    }
    record = (
        "import django; django.setup();"
        "from lightsb_site.metrics import observe_generation;"
        "observe_generation(direction='adult_to_child', timings={'total': 1.5},"
        " status='failed', error_code='face_too_small')"
    )
    render = (
        "import django; django.setup();"
        "from django.test import Client;"
        "from django.test.utils import setup_test_environment; setup_test_environment();"
        "print(Client().get('/metrics').content.decode())"
    )
    for _ in range(2):
        subprocess.run([sys.executable, "-c", record], cwd=ROOT, env=env, check=True, timeout=60)
    completed = subprocess.run(
        [sys.executable, "-c", render],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )

    text = completed.stdout
    assert (
        value(
            text,
            "lightsb_generation_failures_total",
            direction="adult_to_child",
            code="face_too_small",
        )
        == 2
    )
    assert len(list(tmp_path.glob("counter_*.db"))) == 2
