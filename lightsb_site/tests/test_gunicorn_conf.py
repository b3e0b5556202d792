"""gunicorn.conf.py: sizing from the environment, and a real server that warms the engine."""

from __future__ import annotations

import json
import os
import runpy
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings

ROOT = Path(django_settings.BASE_DIR)
CONF = ROOT / "gunicorn.conf.py"
PORT = 8103


def load_conf(monkeypatch, tmp_path, **env: str) -> dict:
    # The config writes PROMETHEUS_MULTIPROC_DIR into os.environ; keep that inside this test.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_workers_threads_and_timeout_come_from_the_environment(monkeypatch, tmp_path):
    conf = load_conf(
        monkeypatch, tmp_path, GUNICORN_WORKERS="3", GUNICORN_THREADS="2", GUNICORN_TIMEOUT="90"
    )

    assert conf["workers"] == 3
    assert conf["threads"] == 2
    assert conf["worker_class"] == "gthread"
    assert conf["timeout"] == 90
    assert conf["preload_app"] is False


def test_defaults_follow_the_cpu_count_and_recycle_workers_with_jitter(monkeypatch, tmp_path):
    monkeypatch.delenv("GUNICORN_WORKERS", raising=False)
    monkeypatch.delenv("GUNICORN_MAX_REQUESTS", raising=False)
    conf = load_conf(monkeypatch, tmp_path)

    assert conf["workers"] == min(len(os.sched_getaffinity(0)) + 1, 4)
    assert conf["max_requests"] == 1000
    assert 0 < conf["max_requests_jitter"] < conf["max_requests"]
    assert "x-request-id" in conf["access_log_format"]


def test_production_logs_are_json(monkeypatch, tmp_path):
    conf = load_conf(monkeypatch, tmp_path, DJANGO_DEBUG="false")

    assert conf["LOG_FORMAT"] == "json"
    formatter = conf["logconfig_dict"]["formatters"]["json"]["()"]
    assert formatter == "lightsb_site.log.JsonFormatter"


def test_warm_up_can_be_switched_off(monkeypatch, tmp_path, caplog):
    conf = load_conf(monkeypatch, tmp_path, LIGHTSB_WARM_ENGINE="0")

    with caplog.at_level("INFO", logger="gunicorn.error"):
        conf["post_worker_init"](SimpleNamespace(pid=os.getpid()))

    assert "warm-up skipped" in caplog.text


def _wait_for_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"nothing listens on {port} after {seconds}s")


@pytest.mark.slow
def test_a_real_server_warms_the_engine_in_each_worker_and_logs_request_ids(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lightsb_site.settings",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
        "LOG_FORMAT": "json",
        "LIGHTSB_WARM_ENGINE": "1",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "LIGHTSB_TESTING": "1",
    }
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "lightsb_site.wsgi",
                "--config",
                str(CONF),
                "--bind",
                f"127.0.0.1:{PORT}",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_port(PORT, 60)
        # The port opens before the workers finish warming; wait for both of them.
        deadline = time.monotonic() + 90
        while log_path.read_text().count("engine warm in worker") < 2:
            assert time.monotonic() < deadline, log_path.read_text()[-3000:]
            assert server.poll() is None, log_path.read_text()[-3000:]
            time.sleep(0.5)
        request = urllib.request.Request(
            f"http://127.0.0.1:{PORT}/healthz", headers={"X-Request-ID": "from-the-test"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            assert response.headers["X-Request-ID"] == "from-the-test"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)

    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert access and access[-1]["request_id"] == "from-the-test"
    assert access[-1]["path"] == "/healthz"
    assert sum("engine warm in worker" in line["message"] for line in lines) == 2
