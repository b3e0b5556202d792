"""/healthz and /readyz: liveness without dependencies, readiness naming the failing part."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

ROOT = Path(django_settings.BASE_DIR)


@pytest.fixture
def loadable_weights(settings, tmp_path):
    weights = tmp_path / "weights"
    weights.mkdir()
    (weights / "bridge.safetensors").write_bytes(b"\0" * 16)
    settings.GENERATION_WEIGHTS_DIR = str(weights)
    return weights


def test_healthz_answers_without_touching_the_database(client):
    # No django_db mark: any query here would make pytest-django fail the test.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_healthz_answers_for_a_host_outside_allowed_hosts(client):
    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")

    assert response.status_code == 200


def test_probes_are_not_redirected_to_https_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_readyz_reports_ready_when_database_storage_and_model_work(
    client, settings, tmp_path, loadable_weights
):
    settings.MEDIA_ROOT = str(tmp_path / "media")

    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    # "loaded" when an earlier test in this process already warmed the engine.
    assert body["checks"]["model"] in {"loadable", "loaded"}
    assert body["checks"] == {"database": "ok", "storage": "ok", "model": body["checks"]["model"]}


@pytest.mark.django_db
def test_readyz_leaves_no_probe_object_behind(client, settings, tmp_path, loadable_weights):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)

    client.get("/readyz")

    assert [path for path in media.rglob("*") if path.is_file()] == []


@pytest.mark.django_db
def test_readyz_names_storage_when_it_cannot_write(client, settings, tmp_path, loadable_weights):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the media directory should be")
    settings.MEDIA_ROOT = str(blocker)

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "not_ready"
    assert body["failing"] == ["storage"]
    assert body["checks"]["database"] == "ok"
    assert response["Retry-After"] == "5"


@pytest.mark.django_db
def test_readyz_names_the_model_when_weights_are_missing(client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    empty = tmp_path / "no-weights"
    empty.mkdir()
    settings.GENERATION_WEIGHTS_DIR = str(empty)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["model"]
    assert "model" in response.json()["message"]


def test_readyz_names_the_database_when_it_is_unreachable(tmp_path):
    # A separate process, so the database really is unreachable (nothing listens on port 1).
    weights = tmp_path / "weights"
    weights.mkdir()
    (weights / "bridge.safetensors").write_bytes(b"\0" * 16)
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "response = Client().get('/readyz');"
        "print(json.dumps({'status': response.status_code, 'body': response.json()}))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lightsb_site.settings",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/nothing",
        "DATABASE_CONNECT_TIMEOUT": "2",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "GENERATION_WEIGHTS_DIR": str(weights),
        "LIGHTSB_TESTING": "1",
    }
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result = json.loads(completed.stdout.strip().splitlines()[-1])

    assert result["status"] == 503
    assert result["body"]["failing"] == ["database"]
    assert result["body"]["checks"]["database"] == "failed: OperationalError"
    assert result["body"]["checks"]["storage"] == "ok"


@pytest.mark.django_db
def test_readyz_reports_the_model_loaded_once_this_process_warmed_it(client, settings, tmp_path):
    from generation.engine import warm_up

    settings.MEDIA_ROOT = str(tmp_path / "media")
    warm_up()

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["model"] == "loaded"


@pytest.mark.django_db
def test_readyz_finds_the_bundled_weights_loadable_without_importing_torch(tmp_path):
    # A fresh process: /readyz must not pull in torch just to answer.
    script = (
        "import django, json, sys; django.setup();"
        "from django.test import Client;"
        "response = Client().get('/readyz');"
        "print(json.dumps({'model': response.json()['checks']['model'],"
        " 'torch': 'torch' in sys.modules}))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lightsb_site.settings",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LIGHTSB_TESTING": "1",
    }
    env.pop("GENERATION_WEIGHTS_DIR", None)
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert json.loads(completed.stdout.strip().splitlines()[-1]) == {
        "model": "loadable",
        "torch": False,
    }
