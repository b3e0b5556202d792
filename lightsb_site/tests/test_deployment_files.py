"""The deployment files agree with the code: variables documented, commands and probes real."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CODE_DIRS = ["lightsb_site", "accounts", "generation", "stats", "integrations", "deploy"]
READ_PATTERN = re.compile(
    r"""(?:os\.environ(?:\.get|\.setdefault)?\(\s*|os\.environ\[|os\.getenv\(\s*|"""
    r"""env_(?:bool|int|list|float_list)\(\s*|_env_(?:bool|int)\(\s*)"([A-Z][A-Z0-9_]+)\""""
)


def documented_variables() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def variables_read_by_the_code() -> set[str]:
    files = [ROOT / "gunicorn.conf.py", ROOT / "manage.py"]
    for directory in CODE_DIRS:
        files += [
            path
            for path in (ROOT / directory).rglob("*.py")
            if "tests" not in path.parts and "migrations" not in path.parts
        ]
    found: set[str] = set()
    for path in files:
        found.update(READ_PATTERN.findall(path.read_text()))
    return found


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_env_example_documents_every_variable_the_code_reads():
    missing = variables_read_by_the_code() - documented_variables()

    assert not missing, f"add to .env.example: {sorted(missing)}"


def test_env_example_documents_every_variable_compose_interpolates():
    text = (ROOT / "docker-compose.yml").read_text()
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", text))

    assert used - documented_variables() == set()


def test_compose_runs_web_and_worker_from_the_image_with_the_database_backend():
    services = compose()["services"]

    assert services["web"]["command"][:4] == [
        "gunicorn",
        "lightsb_site.wsgi",
        "--config",
        "gunicorn.conf.py",
    ]
    assert services["worker"]["command"][:3] == ["python", "manage.py", "db_worker"]
    for name in ("web", "worker"):
        environment = services[name]["environment"]
        assert environment["TASKS_BACKEND"] == "database"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["AWS_S3_ENDPOINT_URL"].endswith("minio:9000}")
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
        assert services[name]["depends_on"]["createbucket"]["condition"] == (
            "service_completed_successfully"
        )


@pytest.mark.parametrize("path", ["deploy/create_bucket.py", "gunicorn.conf.py", "manage.py"])
def test_files_the_containers_run_exist_and_are_not_docker_ignored(path):
    ignored = (ROOT / ".dockerignore").read_text().split()

    assert (ROOT / path).is_file()
    assert path not in ignored
    assert path.split("/")[0] not in ignored


def test_the_image_health_check_uses_a_probe_the_site_serves(client):
    dockerfile = (ROOT / "Dockerfile").read_text()
    probe = re.search(r"HEALTHCHECK.*?http://127\.0\.0\.1:8000(/\w+)", dockerfile, re.DOTALL)

    assert probe is not None
    assert client.get(probe.group(1)).status_code == 200


def test_the_image_runs_as_a_non_root_user_and_keeps_the_weights():
    dockerfile = (ROOT / "Dockerfile").read_text()
    ignored = (ROOT / ".dockerignore").read_text()

    assert re.search(r"^USER 10001:10001$", dockerfile, re.MULTILINE)
    assert dockerfile.count("FROM ") >= 2
    assert "generation/ml/weights" not in ignored.replace("(generation/ml/weights/)", "")
