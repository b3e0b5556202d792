"""Run in a separate process under the production profile (DJANGO_DEBUG=false): make a few
requests through Django's test client and print what came back (status, headers, cookie
flags) as JSON. Used by test_security_headers.py, so the headers checked are those of the
real settings module, not of a test's overrides. LIGHTSB_TESTING=1 is allowed: it only swaps the
password hasher and the static-files storage (no 45 s collectstatic), not a security setting.

    DJANGO_DEBUG=false SECRET_KEY=... SQLITE_PATH=/tmp/x.sqlite3 python tests/production_probe.py
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lightsb_site.settings")

HOST = "lightsb.example.com"
PASSWORD = "correct-horse-battery-42"


def describe(response) -> dict:
    cookies = {
        name: {
            "secure": bool(morsel["secure"]),
            "httponly": bool(morsel["httponly"]),
            "samesite": morsel["samesite"],
            "path": morsel["path"],
            "max_age": morsel["max-age"],
            "expires": morsel["expires"],
        }
        for name, morsel in response.cookies.items()
    }
    return {
        "status": response.status_code,
        "headers": {key.lower(): value for key, value in response.headers.items()},
        "cookies": cookies,
    }


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from accounts.services import user_register

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    user_register(username="probe", email="probe@example.com", password=PASSWORD)

    https = {"secure": True, "HTTP_HOST": HOST}
    client = Client()
    results = {
        "home": describe(client.get("/", **https)),
        "home_over_http": describe(client.get("/", HTTP_HOST=HOST)),
        "api_unauthenticated": describe(client.get("/api/user", **https)),
        "api_docs": describe(client.get("/api/docs/", **https)),
        "login_page": describe(client.get("/accounts/login/", **https)),
        "login_form": describe(
            client.post(
                "/accounts/login/",
                {"identifier": "probe", "password": PASSWORD, "remember_me": "on"},
                **https,
            )
        ),
        "api_login": describe(
            Client().post(
                "/api/auth/login",
                {"identifier": "probe", "password": PASSWORD},
                content_type="application/json",
                **https,
            )
        ),
    }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
