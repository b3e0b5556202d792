"""Security headers and cookie flags of the production profile.

``manage.py check --deploy`` itself is covered by lightsb_site/tests/test_deploy_check.py; here
the responses are checked: a separate process loads the real settings with DJANGO_DEBUG=false
(tests/production_probe.py) and reports what its pages, API and logins sent back.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from lightsb_site import csp

ROOT = Path(__file__).resolve().parents[1]
HSTS_MIN_SECONDS = 31_536_000


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> dict:
    workdir = tmp_path_factory.mktemp("production")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "AWS_", "REDIS_"))
        and key not in {"SECRET_KEY", "DATABASE_URL"}
    }
    env.update(
        {
            "DJANGO_DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "MEDIA_MASTER_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "DJANGO_ALLOWED_HOSTS": "lightsb.example.com",
            "DJANGO_CSRF_TRUSTED_ORIGINS": "https://lightsb.example.com",
            "SQLITE_PATH": str(workdir / "db.sqlite3"),
            "LIGHTSB_VAR_DIR": str(workdir),
            "LIGHTSB_TESTING": "1",  # hasher and static storage only; see production_probe.py
            "LOG_LEVEL": "ERROR",
        }
    )
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "production_probe.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def directives(policy: str) -> dict[str, str]:
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
        for part in (piece.strip() for piece in policy.split(";"))
        if part
    }


HTTPS_RESPONSES = ["home", "api_unauthenticated", "login_page", "login_form", "api_login"]


@pytest.mark.parametrize("name", HTTPS_RESPONSES)
def test_every_response_carries_the_security_headers(production, name):
    headers = production[name]["headers"]

    policy = directives(headers["content-security-policy"])
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["form-action"] == "'self'"
    hsts = headers["strict-transport-security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= HSTS_MIN_SECONDS
    assert "includeSubDomains" in hsts
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert "camera=()" in headers["permissions-policy"]


def test_plain_http_is_redirected_to_https(production):
    response = production["home_over_http"]

    assert response["status"] == 301
    assert response["headers"]["location"] == "https://lightsb.example.com/"


def test_the_session_cookie_is_secure_httponly_and_samesite(production):
    cookie = production["login_form"]["cookies"]["sessionid"]

    assert production["login_form"]["status"] == 302
    assert cookie["secure"] and cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_the_csrf_cookie_is_secure_and_samesite(production):
    cookie = production["login_page"]["cookies"]["csrftoken"]

    assert cookie["secure"]
    assert cookie["samesite"] == "Lax"


def test_the_refresh_cookie_is_secure_httponly_strict_and_scoped_to_the_auth_api(production):
    cookie = production["api_login"]["cookies"]["lightsb_refresh"]

    assert cookie["secure"] and cookie["httponly"]
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/api/auth/"


def test_the_api_docs_page_relaxes_inline_styles_only(production):
    policy = directives(production["api_docs"]["headers"]["content-security-policy"])

    assert production["api_docs"]["status"] == 200
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    assert policy["script-src"] == "'self'"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"(href|src|action)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE)


def project_templates() -> list[Path]:
    folders = [
        ROOT / "templates",
        *(ROOT / app / "templates" for app in ("accounts", "generation")),
    ]
    return sorted(path for folder in folders if folder.is_dir() for path in folder.rglob("*.html"))


def test_templates_use_no_inline_script_style_or_handler_the_policy_would_block():
    offenders = []
    templates = project_templates()
    for path in templates:
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, INLINE_STYLE, EVENT_HANDLER, JAVASCRIPT_URL):
            offenders.extend(
                f"{path.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)
            )

    assert len(templates) > 5
    assert offenders == []


def test_the_policy_scanner_would_notice_an_inline_script():
    sample = '<script>alert(1)</script><div style="x"></div><a onclick="f()"></a>'

    assert INLINE_SCRIPT.search(sample)
    assert INLINE_STYLE.search(sample)
    assert EVENT_HANDLER.search(sample)
    assert not INLINE_SCRIPT.search('<script src="/static/js/generator.js" defer></script>')


@pytest.mark.parametrize(
    ("overrides", "origin"),
    [
        ({"AWS_STORAGE_BUCKET_NAME": ""}, None),
        (
            {"AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000/x"},
            "http://127.0.0.1:9000",
        ),
        (
            {"AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_CUSTOM_DOMAIN": "cdn.example.com"},
            "https://cdn.example.com",
        ),
        ({"AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_ENDPOINT_URL": None}, "https://*.amazonaws.com"),
    ],
)
def test_presigned_image_urls_of_the_storage_are_allowed_as_images(settings, overrides, origin):
    for key, value in overrides.items():
        setattr(settings, key, value)

    image_sources = directives(csp.build_policy())["img-src"].split()

    assert image_sources[:3] == ["'self'", "data:", "blob:"]
    assert image_sources[3:] == ([origin] if origin else [])


@pytest.mark.django_db
def test_a_view_that_sets_its_own_policy_keeps_it(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert "'unsafe-inline'" in response["Content-Security-Policy"]
    assert "<script>" not in response.content.decode()  # the split view loads it by URL
