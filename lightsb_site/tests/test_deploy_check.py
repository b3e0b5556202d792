"""The production profile passes `manage.py check --deploy` with zero findings."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_deploy_check(tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "LIGHTSB_")) and key not in {"SECRET_KEY", "DATABASE_URL"}
    }
    env.update(
        {
            "DJANGO_DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "MEDIA_MASTER_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "DJANGO_ALLOWED_HOSTS": "lightsb.example.com",
            "DJANGO_CSRF_TRUSTED_ORIGINS": "https://lightsb.example.com",
            "SQLITE_PATH": str(tmp_path / "deploy.sqlite3"),
            "LIGHTSB_VAR_DIR": str(tmp_path),
        }
    )
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def deploy_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("deploy")


def test_production_profile_has_zero_deploy_findings(deploy_dir):
    result = run_deploy_check(deploy_dir)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_mode_is_flagged_so_the_check_can_fail(deploy_dir):
    result = run_deploy_check(deploy_dir, DJANGO_DEBUG="true")

    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr
