"""Schemathesis against /api/schema/ with a real token, all four phases, bounded.

The checks: no server error, every status code documented, the documented content type and
headers, and every response body valid against its schema. The app runs in pytest-django's
live server (real database, real engine, jobs run at once); the account has two finished
generations whose ids are given to the {id} operations, so they reach real data instead of
404s. The operations that end the caller's own session (log out, revoke), delete every job or
the account itself are fuzzed in a second run with a throwaway token, so they cannot pull the
data from under the main run.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from generation import services
from generation.models import Status
from tests.support import IMMEDIATE

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)
SESSION_ENDING = [
    "/api/auth/logout",
    "/api/auth/sessions/revoke-all",
    "/api/auth/sessions/{session_id}",
]
# Destructive for the caller: run in the second, throwaway-token run only.
DESTRUCTIVE = ["generation_delete_all", "user_destroy"]
MAX_EXAMPLES = "10"
SEED = "20261127"


def login(user, password: str) -> str:
    response = APIClient().post(
        "/api/auth/login", {"identifier": user.username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["access"]


def schemathesis_run(
    label: str, live_server, tmp_path: Path, token: str, *filters: str, config: str = ""
):
    config_file = tmp_path / f"schemathesis-{label}.toml"
    config_file.write_text(config)
    command = [
        SCHEMATHESIS,
        "--no-color",
        "--config-file",
        str(config_file),
        "run",
        f"{live_server.url}/api/schema/",
        "--header",
        f"Authorization: Bearer {token}",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--checks",
        CHECKS,
        "--max-examples",
        MAX_EXAMPLES,
        "--seed",
        SEED,
        "--workers",
        "1",
        "--no-shrink",
        "--request-timeout",
        "30",
        # The live server is Django's development server: a retry covers a dropped keep-alive
        # connection there; an app error is still an HTTP response and still fails.
        "--request-retries",
        "2",
        *filters,
    ]
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=420, check=False
    )
    # The full report, for CI artifacts (test-artifacts/ is git-ignored).
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"schemathesis-{label}.txt").write_text(result.stdout + result.stderr)
    return result


def all_selected_were_tested(report: str) -> bool:
    selected = re.search(r"Selected: (\d+)/", report)
    tested = re.search(r"Tested: (\d+)", report)
    return bool(selected and tested and selected.group(1) == tested.group(1))


@pytest.fixture
def generous_throttles(throttle_rates):
    # Register is limited to 20 an hour: fuzzing would only ever see 429s and test nothing.
    throttle_rates(
        register="10000/min", login="10000/min", refresh="10000/min", password_check="10000/min"
    )


@pytest.fixture
def finished_generations(user, portrait_jpeg, media_root, settings) -> list[str]:
    settings.TASKS = IMMEDIATE
    ids = []
    for seed in (1, 2):
        upload = SimpleUploadedFile("me.jpg", portrait_jpeg, content_type="image/jpeg")
        job, _ = services.generation_create(
            owner=user,
            upload=upload,
            direction="male_to_female",
            variants=2,
            seed=seed,
            journey_frames=2,
        )
        job.refresh_from_db()
        assert job.status == Status.SUCCEEDED, job.error_message
        ids.append(str(job.pk))
    return ids


def test_the_api_passes_schemathesis_with_zero_failures(
    live_server, tmp_path, user, password, finished_generations, generous_throttles
):
    # Every {id} operation reads the first job; the one that deletes gets the second.
    config = (
        f'[parameters]\n"path.id" = "{finished_generations[0]}"\n"path.index" = 0\n\n'
        f'[[operations]]\ninclude-operation-id = "generation_destroy"\n'
        f'parameters = {{ "path.id" = "{finished_generations[1]}" }}\n'
    )
    excluded = [arg for path in SESSION_ENDING for arg in ("--exclude-path", path)]
    excluded += [arg for name in DESTRUCTIVE for arg in ("--exclude-operation-id", name)]

    result = schemathesis_run(
        "main", live_server, tmp_path, login(user, password), *excluded, config=config
    )

    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    assert all_selected_were_tested(report)
    # Only the delete may run out of data (after its first success the job is gone).
    missing = report.partition("Missing test data")[2].partition("💡")[0]
    assert "GET /api/generations/{id}" not in missing


def test_the_session_ending_operations_pass_schemathesis_too(
    live_server, tmp_path, user, password, generous_throttles
):
    included = [arg for path in SESSION_ENDING for arg in ("--include-path", path)]
    included += [arg for name in DESTRUCTIVE for arg in ("--include-operation-id", name)]

    result = schemathesis_run(
        "session-ending", live_server, tmp_path, login(user, password), *included
    )

    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    assert f"Selected: {len(SESSION_ENDING) + len(DESTRUCTIVE)}/" in report
    assert all_selected_were_tested(report)
