"""CI smoke of the load test: bench/load.sh --smoke (gunicorn with the production settings,
db_worker processes, Locust with 20 users for 30 s). Only "0 failed requests" is judged here;
the latency figures are printed in the summary (test-artifacts/load-smoke.md), and the full
run with its latency targets is `make loadtest`, outside CI.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = [pytest.mark.slow, pytest.mark.load]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smoke_database_url() -> str:
    """PostgreSQL when the suite runs on it (a database of the smoke's own), else SQLite."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        return ""
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    name = f"{database['NAME'].removeprefix('test_')}_load_smoke"
    host = f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{name}"


def test_twenty_users_for_thirty_seconds_get_no_failed_request():
    ARTIFACTS.mkdir(exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUNICORN_", "AWS_"))
        and key not in {"LIGHTSB_TESTING", "DATABASE_URL", "SQLITE_PATH", "MEDIA_ROOT"}
    }
    env.update(
        {
            "DATABASE_URL": smoke_database_url(),
            "LOAD_RESET_DB": "1",
            "LOAD_PORT": str(free_port()),
            "LOAD_RESULTS_DIR": str(ARTIFACTS),
            "LOAD_NAME": "load-smoke",
            "LIGHTSB_TESTING": "0",  # the production hasher and static storage
        }
    )

    result = subprocess.run(
        ["bash", str(ROOT / "bench" / "load.sh"), "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )

    output = result.stdout[-5000:] + result.stderr[-3000:]
    assert result.returncode == 0, output
    summary = (ARTIFACTS / "load-smoke.md").read_text()
    assert "| 0 failed requests | pass | 0 failed |" in summary
    assert "| Authenticated API reads | 0 |" not in summary  # every kind of visitor ran
    assert "| Generation end to end (upload to finished job) | 0 |" not in summary
