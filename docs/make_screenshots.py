"""Screenshots of every page at a laptop (1366x768) and a phone (390x844) size.

    .venv/bin/python docs/make_screenshots.py            # writes docs/screenshots/*.png
    .venv/bin/python docs/make_screenshots.py --only generator result

Starts the real app the way `make run` does (gunicorn, DEBUG off, whitenoise) on a free port
over a throw-away SQLite database and media folder, creates a demo member (and a staff member)
through the services, runs a real generation on scikit-image's public-domain astronaut portrait,
then saves what the browser shows: `desktop-<page>.png` and `mobile-<page>.png`, the viewport
only (the top of the page, as a visitor first sees it). Needs Chromium (Debian's package).
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OUT = ROOT / "docs" / "screenshots"
VISITOR, MEMBER, STAFF = "visitor", "member", "staff"


@dataclass(frozen=True)
class Shot:
    name: str  # the file is <size>-<name>.png
    role: str
    path: Callable[..., str]  # demo -> address
    prepare: Callable[..., None] | None = None  # (page, demo) -> None, after loading


def choose_photo(page, demo) -> None:
    from tests.browser import drop_file
    from tests.demo import astronaut_jpeg

    drop_file(page, astronaut_jpeg(), "astronaut.jpg")
    page.wait_for_selector("#preview", state="visible")


def scroll_to(element_id: str) -> Callable[..., None]:
    def prepare(page, demo) -> None:
        page.evaluate("(id) => document.getElementById(id).scrollIntoView()", element_id)

    return prepare


# Add a page here and it is shot at both sizes.
SHOTS = [
    Shot("home", VISITOR, lambda demo: "/"),
    Shot("about", VISITOR, lambda demo: "/about/"),
    Shot("privacy", VISITOR, lambda demo: "/privacy/"),
    Shot("register", VISITOR, lambda demo: "/accounts/register/"),
    Shot("login", VISITOR, lambda demo: "/accounts/login/"),
    Shot("password-reset", VISITOR, lambda demo: "/accounts/password/reset/"),
    Shot(
        "password-reset-confirm",
        VISITOR,
        lambda demo: f"/accounts/password/reset/{demo.reset_uidb64}/{demo.reset_token}/",
    ),
    Shot("share", VISITOR, lambda demo: f"/s/{demo.share_token}/"),
    Shot("not-found", VISITOR, lambda demo: "/no-such-page/"),
    Shot("generator", MEMBER, lambda demo: "/generate/"),
    Shot("generator-photo-chosen", MEMBER, lambda demo: "/generate/", choose_photo),
    Shot("result", MEMBER, lambda demo: f"/generate/{demo.generation_id}/"),
    Shot(
        "result-variants",
        MEMBER,
        lambda demo: f"/generate/{demo.generation_id}/",
        scroll_to("variants-title"),
    ),
    Shot("batch", MEMBER, lambda demo: f"/generate/batch/{demo.batch_id}/"),
    Shot("result-failed", MEMBER, lambda demo: f"/generate/{demo.failed_generation_id}/"),
    Shot("history", MEMBER, lambda demo: "/generate/history/"),
    Shot("statistics", MEMBER, lambda demo: "/stats/"),
    Shot("profile", MEMBER, lambda demo: "/accounts/profile/"),
    Shot("profile-edit", MEMBER, lambda demo: "/accounts/profile/edit/"),
    Shot("password-change", MEMBER, lambda demo: "/accounts/password/"),
    Shot("sessions", MEMBER, lambda demo: "/accounts/sessions/"),
    Shot("api-keys", MEMBER, lambda demo: "/integrations/keys/"),
    Shot("account-delete", MEMBER, lambda demo: "/accounts/delete/"),
    Shot("dashboard", STAFF, lambda demo: "/generate/dashboard/"),
]


def prepare_environment(folder: Path) -> dict[str, str]:
    """What `make run` sets, over a private var/ folder (SQLite, media, keys)."""
    env = {
        "LIGHTSB_VAR_DIR": str(folder),
        "STATIC_ROOT": str(folder / "static"),
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "AWS_STORAGE_BUCKET_NAME": "",
        "TASKS_BACKEND": "immediate",
        "LIGHTSB_TESTING": "0",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_HSTS_SECONDS": "0",
        "LIGHTSB_SECURE_COOKIES": "0",
        "DJANGO_SETTINGS_MODULE": "lightsb_site.settings",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_ACCESS_LOG": "",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    return {**os.environ}


def start_server(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    from tests.support import free_port

    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "lightsb_site.wsgi",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 - loopback
                return server, url
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"gunicorn did not start within 2 minutes:\n{log.read_text()[-3000:]}")


def save_small_png(data: bytes, target: Path) -> None:
    """Re-encode Playwright's PNG with zlib's best effort (a third smaller, same pixels)."""
    from PIL import Image

    Image.open(io.BytesIO(data)).save(target, format="PNG", optimize=True)


def take(browser, base_url: str, demo, shots: list[Shot], out: Path) -> None:
    from tests.browser import VIEWPORTS, Tab, log_in
    from tests.demo import DEMO_PASSWORD

    for viewport in VIEWPORTS:
        tabs = {
            role: Tab(browser, base_url, viewport=viewport) for role in (VISITOR, MEMBER, STAFF)
        }
        log_in(tabs[MEMBER].page, demo.member.username, DEMO_PASSWORD)
        log_in(tabs[STAFF].page, demo.staff.username, DEMO_PASSWORD)
        try:
            for shot in shots:
                page = tabs[shot.role].page
                page.goto(shot.path(demo))
                page.wait_for_load_state("networkidle")
                if shot.prepare:
                    shot.prepare(page, demo)
                data = page.screenshot(animations="disabled", caret="hide")
                target = out / f"{viewport.name}-{shot.name}.png"
                save_small_png(data, target)
                print(f"{target.relative_to(ROOT)}  {target.stat().st_size // 1024} KiB")
        finally:
            for tab in tabs.values():
                tab.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--only", nargs="*", help="page names (see SHOTS); all when omitted")
    args = parser.parse_args()
    shots = [shot for shot in SHOTS if not args.only or shot.name in args.only]
    args.out.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="lightsb-screenshots-") as folder:
        env = prepare_environment(Path(folder))
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        call_command("collectstatic", verbosity=0, interactive=False)

        from tests.demo import demo_create

        demo = demo_create()
        server, base_url = start_server(env, Path(folder) / "gunicorn.log")
        try:
            from playwright.sync_api import sync_playwright

            from tests.browser import CHROMIUM, CHROMIUM_ARGS

            if CHROMIUM is None:
                raise SystemExit("No Chromium found (apt-get install chromium, or CHROMIUM_PATH)")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                take(browser, base_url, demo, shots, args.out)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
