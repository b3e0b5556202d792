"""`make run` serves with DEBUG off on plain http over loopback; `make dev` runs runserver."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'redirect': s.SECURE_SSL_REDIRECT, "
    "'hsts': s.SECURE_HSTS_SECONDS, 'session_secure': s.SESSION_COOKIE_SECURE, "
    "'csrf_secure': s.CSRF_COOKIE_SECURE, 'hosts': s.ALLOWED_HOSTS, "
    "'static': s.STORAGES['staticfiles']['BACKEND'], "
    "'middleware': s.MIDDLEWARE, 'email': s.EMAIL_BACKEND}))"
)


def make_variables(target: str) -> dict[str, str]:
    """The variables `make <target>` exports, read from make's own database (nothing runs)."""
    result = subprocess.run(
        ["make", "-pn", target], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    found: dict[str, str] = {}
    for line in result.stdout.splitlines():
        # Target-specific variables print as "run: NAME = value".
        match = re.fullmatch(rf"{target}: ([A-Z_]+) :?= (.*)", line)
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def settings_under(variables: dict[str, str], tmp_path: Path) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "LIGHTSB_")) and key not in {"SECRET_KEY", "DATABASE_URL"}
    }
    env.update(variables)
    env.update({"LIGHTSB_TESTING": "0", "LIGHTSB_VAR_DIR": str(tmp_path)})
    env["DJANGO_SETTINGS_MODULE"] = "lightsb_site.settings"
    result = subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_make_run_turns_debug_off_and_tls_only_settings_off(tmp_path):
    variables = make_variables("run")

    assert variables == {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_HSTS_SECONDS": "0",
        "LIGHTSB_SECURE_COOKIES": "0",
    }
    settings = settings_under(variables, tmp_path)
    assert settings["debug"] is False
    assert settings["redirect"] is False and settings["hsts"] == 0
    assert settings["session_secure"] is False and settings["csrf_secure"] is False
    assert set(settings["hosts"]) <= {"127.0.0.1", "localhost", "[::1]", "testserver"}
    assert settings["static"].startswith("whitenoise.")
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings["middleware"]


def test_production_keeps_secure_cookies_unless_told(tmp_path):
    settings = settings_under({"DJANGO_DEBUG": "0"}, tmp_path)

    assert settings["session_secure"] is True and settings["redirect"] is True


def test_make_dev_runs_the_development_server_with_debug_on():
    assert make_variables("dev") == {"DJANGO_DEBUG": "1"}
    dry_run = subprocess.run(
        ["make", "-n", "dev"], cwd=ROOT, capture_output=True, text=True, timeout=60
    ).stdout

    assert "manage.py runserver" in dry_run
