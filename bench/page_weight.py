"""Print what the result page weighs on a phone and how soon its first image shows, before and
after the web-sized copies.

One real generation, made in this process with the real engine from a large photo
(scikit-image's astronaut upscaled to ``--width`` px, 2 variants), stored encrypted as the app
stores everything. Then gunicorn (``gunicorn.conf.py``, production settings, DEBUG off, a
throwaway SQLite file and media folder) serves it on loopback, and Debian's Chromium (Playwright)
opens the result page as a phone: 390 x 844 CSS px at device pixel ratio 3, touch, a cold cache
on every run. The network is throttled (``--down-mbps``, ``--rtt-ms``: a 4G profile by default)
so that the time means something on loopback. Chromium reports what each response took on the
wire (``Network.loadingFinished``: headers and body); the script sums them for the first
screen (after ``load``) and for the whole page once scrolled to the end (lazy images too).

BEFORE is the same generation with its web-copy fields emptied, which is exactly what a result
stored before the copies existed shows: the full-size JPEGs, and no ``srcset`` candidates but
the full image (the pages' own fallback, so no second checkout is needed). AFTER puts the
copies back. Runs alternate between the two so load on the machine hits both alike.

    .venv/bin/python bench/page_weight.py [--width 4000] [--runs 5] [--write-docs]
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
DOCS = ROOT / "docs" / "benchmarks.md"
PASSWORD = "plum-orchard-1987"  # noqa: S105 (a throwaway account)
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}

# Milliseconds from navigation start to: the first <img> fully received, the largest paint,
# the load event.
TIMINGS_JS = """() => new Promise((resolve) => {
    const images = performance.getEntriesByType("resource")
        .filter((entry) => entry.initiatorType === "img")
        .map((entry) => entry.responseEnd);
    const navigation = performance.getEntriesByType("navigation")[0];
    new PerformanceObserver((list) => {
        const entries = list.getEntries();
        resolve({
            first_image: images.length ? Math.min(...images) : null,
            lcp: entries[entries.length - 1].startTime,
            load: navigation.loadEventEnd,
        });
    }).observe({ type: "largest-contentful-paint", buffered: true });
    setTimeout(() => resolve({ first_image: images.length ? Math.min(...images) : null,
                                lcp: null, load: navigation.loadEventEnd }), 3000);
})"""


def prepare_environment(workdir: Path, port: int) -> dict[str, str]:
    env = {
        "DJANGO_SETTINGS_MODULE": "lightsb_site.settings",
        "SQLITE_PATH": str(workdir / "bench.sqlite3"),
        "LIGHTSB_VAR_DIR": str(workdir),
        "MEDIA_ROOT": str(workdir / "media"),
        "STATIC_ROOT": os.environ.get("STATIC_ROOT", str(ROOT / "var" / "loadtest-static")),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "MEDIA_MASTER_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "LIGHTSB_MAX_UPLOAD_BYTES": str(64 * 1024 * 1024),
        "LIGHTSB_WARM_ENGINE": "0",  # the web workers only serve pages here
        "GUNICORN_WORKERS": "2",
        "GUNICORN_ACCESS_LOG": "",
        "LOG_LEVEL": "WARNING",
        "THROTTLE_LOGIN": "1000/min",
    }
    for name in ("DATABASE_URL", "LIGHTSB_TESTING", "TASKS_BACKEND"):
        os.environ.pop(name, None)  # SQLite, the real hasher, jobs run at once in this process
    os.environ.update(env)
    return {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}"}


def large_photo(width: int) -> bytes:
    import io

    from PIL import Image
    from skimage import data

    picture = Image.fromarray(data.astronaut()).resize((width, width), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def make_generation(width: int):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    manifest = Path(os.environ["STATIC_ROOT"]) / "staticfiles.json"
    if not manifest.exists() or any(
        path.stat().st_mtime > manifest.stat().st_mtime
        for path in (ROOT / "static").rglob("*")
        if path.is_file()
    ):
        call_command("collectstatic", interactive=False, verbosity=0)

    from accounts.services import user_register
    from generation import services
    from generation.models import Status

    owner = user_register(username="phone", email="phone@example.com", password=PASSWORD)
    photo = large_photo(width)
    started = time.monotonic()
    generation, _ = services.generation_create(
        owner=owner,
        upload=SimpleUploadedFile("large.jpg", photo, content_type="image/jpeg"),
        direction="adult_to_child",
        variants=2,
        seed=7,
    )
    generation.refresh_from_db()
    if generation.status != Status.SUCCEEDED:
        raise SystemExit(f"the generation did not succeed: {generation.error_message}")
    print(
        f"generation: {width} x {width} photo ({len(photo) / 1e6:.1f} MB JPEG), 2 variants, "
        f"{time.monotonic() - started:.1f} s"
    )
    return generation


@dataclass
class Copies:
    """The web-copy fields of the generation, to take away (BEFORE) and put back (AFTER)."""

    generation_id: object
    input_copies: dict[str, str]
    result_copies: dict[int, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, generation) -> Copies:
        return cls(
            generation.pk,
            dict(generation.input_web_copies),
            {result.pk: dict(result.web_copies) for result in generation.results.all()},
        )

    def apply(self, *, present: bool) -> None:
        from generation.models import Generation, GenerationResult

        Generation.objects.filter(pk=self.generation_id).update(
            input_web_copies=self.input_copies if present else {}
        )
        for pk, copies in self.result_copies.items():
            GenerationResult.objects.filter(pk=pk).update(web_copies=copies if present else {})


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            GUNICORN,
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
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2):
                return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"gunicorn did not become ready; see {log}")


@dataclass
class Visit:
    first_screen_bytes: int
    whole_page_bytes: int
    images: int
    first_image_ms: float
    lcp_ms: float
    load_ms: float
    picked: list[str]  # the image addresses the browser chose (its srcset picks)


def visit(browser, base_url: str, state: dict, path: str, args: argparse.Namespace) -> Visit:
    context = browser.new_context(base_url=base_url, storage_state=state, **PHONE)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": args.rtt_ms,
            "downloadThroughput": args.down_mbps * 1_000_000 / 8,
            "uploadThroughput": args.up_mbps * 1_000_000 / 8,
        },
    )
    wire: dict[str, float] = {}
    kinds: dict[str, str] = {}
    urls: dict[str, str] = {}

    def received(event: dict) -> None:
        kinds[event["requestId"]] = event.get("type", "")
        urls[event["requestId"]] = event["response"]["url"].removeprefix(base_url)

    cdp.on("Network.responseReceived", received)
    cdp.on(
        "Network.loadingFinished",
        lambda event: wire.__setitem__(event["requestId"], event["encodedDataLength"]),
    )
    try:
        page.goto(path, wait_until="load")
        page.wait_for_load_state("networkidle")
        timings = page.evaluate(TIMINGS_JS)
        first_screen = sum(wire.values())
        # Scroll down a screen at a time so every lazy image comes in, as a reader would.
        height = page.evaluate("document.documentElement.scrollHeight")
        for offset in range(0, height + 844, 600):
            page.evaluate(f"window.scrollTo(0, {offset})")
            page.wait_for_timeout(150)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        picked = [
            f"{urls[request_id]} ({wire[request_id] / 1000:,.0f} kB)"
            for request_id, kind in kinds.items()
            if kind == "Image" and request_id in wire
        ]
        return Visit(
            picked=picked,
            first_screen_bytes=int(first_screen),
            whole_page_bytes=int(sum(wire.values())),
            images=len(picked),
            first_image_ms=float(timings["first_image"] or 0),
            lcp_ms=float(timings["lcp"] or 0),
            load_ms=float(timings["load"] or 0),
        )
    finally:
        context.close()


def log_in(browser, base_url: str) -> dict:
    context = browser.new_context(base_url=base_url, **PHONE)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=identifier]", "phone")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/profile/")
    state = context.storage_state()
    context.close()
    return state


def summary(visits: list[Visit]) -> dict[str, float]:
    return {
        "first_screen_kb": statistics.median(v.first_screen_bytes for v in visits) / 1000,
        "whole_page_kb": statistics.median(v.whole_page_bytes for v in visits) / 1000,
        "images": statistics.median(v.images for v in visits),
        "first_image_ms": statistics.median(v.first_image_ms for v in visits),
        "lcp_ms": statistics.median(v.lcp_ms for v in visits),
        "load_ms": statistics.median(v.load_ms for v in visits),
    }


def table(results: dict[str, dict[str, float]]) -> str:
    rows = [
        "| result page, phone | first screen | whole page (scrolled) | images"
        " | first image | largest paint | load event |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, figures in results.items():
        rows.append(
            f"| {label} | {figures['first_screen_kb']:,.0f} kB | {figures['whole_page_kb']:,.0f} kB"
            f" | {figures['images']:.0f} | {figures['first_image_ms']:,.0f} ms"
            f" | {figures['lcp_ms']:,.0f} ms | {figures['load_ms']:,.0f} ms |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--width", type=int, default=4000, help="photo width = height (px)")
    parser.add_argument("--runs", type=int, default=5, help="visits per variant (median)")
    parser.add_argument("--port", type=int, default=8133)
    parser.add_argument("--down-mbps", type=float, default=20.0)
    parser.add_argument("--up-mbps", type=float, default=5.0)
    parser.add_argument("--rtt-ms", type=float, default=40.0)
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="lightsb-page-weight-"))
    env = prepare_environment(workdir, args.port)
    import django

    django.setup()
    generation = make_generation(args.width)
    copies = Copies.of(generation)
    result = generation.results.first()
    print(
        f"stored: result {result.width} x {result.height}, copies at "
        f"{', '.join(sorted(result.web_copies, key=int))} px; input copies at "
        f"{', '.join(sorted(generation.input_web_copies, key=int))} px"
    )
    server = start_server(env, args.port, workdir / "gunicorn.log")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop beside the ORM
    from playwright.sync_api import sync_playwright

    path = f"/generate/{generation.pk}/"
    visits: dict[str, list[Visit]] = {
        "before (full-size JPEGs)": [],
        "after (WebP copies, srcset)": [],
    }
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            base_url = f"http://127.0.0.1:{args.port}"
            state = log_in(browser, base_url)
            for run in range(args.runs):
                for label, present in zip(visits, (False, True), strict=True):
                    copies.apply(present=present)
                    visits[label].append(visit(browser, base_url, state, path, args))
                print(f"run {run + 1}/{args.runs} done")
            copies.apply(present=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    results = {label: summary(items) for label, items in visits.items()}
    for label, items in visits.items():
        print(f"{label}, images of the last visit:", *items[-1].picked, sep="\n  ")
    print(table(results))
    if args.write_docs:
        write_docs(args, results, result, visits)


def write_docs(
    args: argparse.Namespace,
    results: dict[str, dict[str, float]],
    result,
    visits: dict[str, list[Visit]],
) -> None:
    from bench.docs_section import write_section

    load = os.getloadavg()[0]
    picks = "\n".join(
        f"- {label}: "
        + ", ".join(re.sub(r"/generate/[0-9a-f-]+", "…", url) for url in items[-1].picked)
        for label, items in visits.items()
    )
    body = f"""## Page weight: web-sized copies (issue 15)

The result page of one real generation (scikit-image's astronaut upscaled to {args.width} x
{args.width} px, 2 variants; engine output {result.width} x {result.height} px) opened in
Debian's Chromium as a phone: 390 x 844 CSS px at device pixel ratio 3, cold cache, network
throttled to {args.down_mbps:g} Mbit/s down, {args.rtt_ms:g} ms round trip. Served by gunicorn
(`gunicorn.conf.py`, production settings, 2 workers) on loopback; bytes are what Chromium counted
on the wire (headers and bodies of the page, its CSS and scripts and its images); times are from
navigation start, medians of {args.runs} visits each, before and after alternating.

{table(results)}

*Before* is the same generation with its web-copy fields emptied: what a result stored before
the copies existed still shows (the full-size JPEGs; the code's own fallback). *After*: the page
offers WebP copies at 512 and 1024 px in `srcset` and the phone picks one; downloads and the zip
stay full-size JPEG. The first screen holds the before/after comparison (two eager images); the
variant pictures are lazy, but on a page this short Chromium's lazy-load margin brings them in
with the first screen, so both columns count the same three pictures. What the phone fetched
on the last visit of each:

{picks}

Machine: 2 CPU cores, shared with other sessions' test runs (load average {load:.1f}).
Reproduce:

```sh
.venv/bin/python bench/page_weight.py --width {args.width} --runs {args.runs} --write-docs
```
"""
    write_section(DOCS, "page-weight", body)
    print(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
