"""Realistic load for LightSB Service (run by bench/load.sh; `make loadtest`).

Four kinds of visitors, all over loopback against gunicorn:

- ApiUser: registers and logs in through the API (by email or by username), then reads the
  user, profile, stats, sessions and generation list, updates the profile and rotates tokens;
- PageUser: registers, logs in through the HTML form, then browses the server-rendered pages;
- GeneratingUser: uploads a real portrait to /api/generate, polls the job until it finishes
  (its end-to-end time is recorded as "generation end to end"), downloads a result and lists
  the history;
- LoginUser (exactly one): logs in again and again, so login latency (deliberately slow:
  Argon2) is measured on its own, during the steady state;
- SoloGeneratingUser: only for the single-user baseline, one job after another.

Besides Locust's CSVs, the file writes ``--results-json``: per category (API reads, page views,
writes, logins, generation) the response times recorded after ``--measure-after`` seconds (the
steady state, once every user has registered and logged in), and the failures of the whole run.
bench/load_report.py turns that into the markdown summary and checks the thresholds.
"""

from __future__ import annotations

import csv
import io
import json
import random
import time
import uuid
from pathlib import Path

from locust import HttpUser, between, events, task
from locust.clients import LocustHttpAdapter
from urllib3.util.retry import Retry

PASSWORD = "load-test-Passw0rd-42"  # noqa: S105 (throwaway accounts of the load test)
POLL_SECONDS = 0.25
JOB_TIMEOUT_SECONDS = 120
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
DIRECTIONS = ("adult_to_child", "child_to_adult", "male_to_female", "female_to_male")


def _portrait() -> bytes:
    from PIL import Image
    from skimage import data

    buffer = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


PORTRAIT = _portrait()


# --- Measurements ----------------------------------------------------------------------------


def category(request_type: str, name: str) -> str:
    if name.startswith(("login", "register")):
        return "logins"
    if request_type == "JOB":
        return "generation"
    if name.startswith("page "):
        return "page_views"
    if request_type == "GET" and name.startswith("/api/"):
        return "api_reads"
    return "writes"


class Collector:
    def __init__(self) -> None:
        self.started = time.time()
        self.measure_after = 0.0
        self.samples: dict[str, list[float]] = {}
        self.failures: list[str] = []
        self.requests = 0
        # Every request in order (bench/pg_outage.sh), when --timeline-csv is given.
        self.timeline: list[tuple[str, ...]] | None = None

    def record(
        self, *, request_type, name, response_time, exception, start_time=None, response=None, **_
    ):
        self.requests += 1
        if exception is not None:
            self.failures.append(f"{request_type} {name}: {exception!r}"[:300])
        if self.timeline is not None:
            self.timeline.append(
                (
                    f"{start_time or time.time():.3f}",
                    f"{response_time:.1f}",
                    request_type,
                    name,
                    getattr(response, "status_code", "") or "",
                    (getattr(response, "headers", None) or {}).get("Content-Type", ""),
                    "0" if exception is not None else "1",
                )
            )
        if (start_time or time.time()) < self.started + self.measure_after:
            return
        self.samples.setdefault(category(request_type, name), []).append(float(response_time))


COLLECTOR = Collector()


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    parser.add_argument("--results-json", default="", help="where to write the figures")
    parser.add_argument("--timeline-csv", default="", help="write every request to this CSV")
    parser.add_argument(
        "--measure-after",
        type=float,
        default=0.0,
        help="seconds after the start before latencies count (the ramp-up is left out)",
    )


@events.test_start.add_listener
def _start(environment, **_) -> None:
    COLLECTOR.started = time.time()
    COLLECTOR.measure_after = float(environment.parsed_options.measure_after or 0)
    if environment.parsed_options.timeline_csv:
        COLLECTOR.timeline = []


events.request.add_listener(COLLECTOR.record)


@events.quitting.add_listener
def _write_results(environment, **_) -> None:
    if COLLECTOR.timeline is not None:
        with open(environment.parsed_options.timeline_csv, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["start", "ms", "kind", "name", "status", "type", "ok"])
            writer.writerows(COLLECTOR.timeline)
    path = environment.parsed_options.results_json
    if not path:
        return
    total = environment.stats.total
    Path(path).write_text(
        json.dumps(
            {
                "users": environment.parsed_options.num_users,
                "spawn_rate": environment.parsed_options.spawn_rate,
                "run_time": environment.parsed_options.run_time,
                "measure_after": COLLECTOR.measure_after,
                "requests": COLLECTOR.requests,
                "requests_per_second": round(total.total_rps, 2),
                "failures": len(COLLECTOR.failures),
                "failure_examples": COLLECTOR.failures[:20],
                "samples": COLLECTOR.samples,
            }
        )
    )


# --- Visitors --------------------------------------------------------------------------------


class Visitor(HttpUser):
    abstract = True

    def on_start(self) -> None:
        # Like a browser, resend an idempotent request once when a kept-alive connection was
        # closed under it (a gunicorn worker recycled after max_requests); writes never repeat.
        retry = Retry(
            total=1,
            connect=1,
            read=1,
            status=0,
            other=0,
            allowed_methods=IDEMPOTENT,
            respect_retry_after_header=False,  # a 503 is an answer to report, not to wait out
            raise_on_status=False,
        )
        self.client.mount("http://", LocustHttpAdapter(pool_manager=None, max_retries=retry))
        self.username = f"lt{uuid.uuid4().hex[:12]}"
        self.email = f"{self.username}@example.com"
        self.access = ""
        self.refresh = ""

    def register(self) -> None:
        with self.client.post(
            "/api/auth/register",
            json={
                "username": self.username,
                "email": self.email,
                "password": PASSWORD,
                "password_confirm": PASSWORD,
            },
            name="register (API)",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"register: {response.status_code} {response.text[:200]}")

    def api_login(self, *, by_email: bool) -> None:
        identifier = self.email if by_email else self.username
        with self.client.post(
            "/api/auth/login",
            json={"identifier": identifier, "password": PASSWORD},
            name=f"login (API, by {'email' if by_email else 'username'})",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"login: {response.status_code} {response.text[:200]}")
                return
            body = response.json()
        self.access, self.refresh = body["access"], body["refresh"]
        self.client.headers["Authorization"] = f"Bearer {self.access}"

    def keep_secure_cookies(self) -> None:
        """Production cookies are Secure; the load runs over plain HTTP on loopback, so the
        client must send them back anyway (the server is told nothing different)."""
        for cookie in self.client.cookies:
            cookie.secure = False

    def api_get(self, path: str, name: str | None = None):
        return self.client.get(path, name=name or f"GET {path}")


class ApiUser(Visitor):
    weight = 5
    wait_time = between(1, 3)

    def on_start(self) -> None:
        super().on_start()
        self.register()
        self.api_login(by_email=random.random() < 0.5)

    @task(4)
    def read_user(self) -> None:
        self.api_get("/api/user", "/api/user")

    @task(3)
    def read_profile(self) -> None:
        self.api_get("/api/profile", "/api/profile")

    @task(1)
    def update_profile(self) -> None:
        self.client.patch(
            "/api/profile",
            json={"position": random.choice(["Analyst", "Designer", "Teacher", "Nurse"])},
            name="PATCH /api/profile",
        )

    @task(3)
    def read_stats(self) -> None:
        self.api_get("/api/stats", "/api/stats")

    @task(3)
    def list_generations(self) -> None:
        self.api_get("/api/generations?page_size=10", "/api/generations")

    @task(1)
    def list_sessions(self) -> None:
        self.api_get("/api/auth/sessions", "/api/auth/sessions")

    @task(1)
    def rotate_tokens(self) -> None:
        with self.client.post(
            "/api/auth/refresh",
            json={"refresh": self.refresh},
            name="POST /api/auth/refresh",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"refresh: {response.status_code} {response.text[:200]}")
                return
            body = response.json()
        self.access, self.refresh = body["access"], body["refresh"]
        self.client.headers["Authorization"] = f"Bearer {self.access}"


PAGES = [
    ("/", "page home"),
    ("/about/", "page about"),
    ("/accounts/profile/", "page profile"),
    ("/accounts/profile/edit/", "page profile edit"),
    ("/stats/", "page my statistics"),
    ("/generate/", "page generator"),
    ("/generate/history/", "page history"),
]


class PageUser(Visitor):
    weight = 4
    wait_time = between(1, 3)

    def on_start(self) -> None:
        super().on_start()
        self.register()
        by_email = random.random() < 0.5
        self.client.get("/accounts/login/", name="page login")
        self.keep_secure_cookies()
        with self.client.post(
            "/accounts/login/",
            data={
                "identifier": self.email if by_email else self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name=f"login (form, by {'email' if by_email else 'username'})",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"form login: {response.status_code}")
        self.keep_secure_cookies()

    @task
    def browse(self) -> None:
        path, name = random.choice(PAGES)
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{path}: {r.status_code}")
        self.keep_secure_cookies()


class GeneratingUser(Visitor):
    weight = 1
    wait_time = between(3, 8)

    def on_start(self) -> None:
        super().on_start()
        self.register()
        self.api_login(by_email=False)

    @task(3)
    def generate(self) -> None:
        started = time.perf_counter()
        started_at = time.time()
        with self.client.post(
            "/api/generate",
            files={"file": ("portrait.jpg", PORTRAIT, "image/jpeg")},
            data={"direction": random.choice(DIRECTIONS), "variants": str(random.randint(1, 4))},
            name="POST /api/generate",
            catch_response=True,
        ) as response:
            if response.status_code not in (201, 202):
                response.failure(f"generate: {response.status_code} {response.text[:200]}")
                return
            job = response.json()
        while job["status"] in ("queued", "running"):
            if time.perf_counter() - started > JOB_TIMEOUT_SECONDS:
                break
            time.sleep(POLL_SECONDS)
            response = self.api_get(f"/api/generations/{job['id']}", "/api/generations/[id]")
            if response.status_code != 200:
                break
            job = response.json()
        succeeded = job.get("status") == "succeeded"
        events.request.fire(
            request_type="JOB",
            name="generation end to end",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=None if succeeded else RuntimeError(f"job ended {job.get('status')}"),
            context={},
            start_time=started_at,
        )
        if succeeded and job["results"]:
            self.client.get(
                f"/api/generations/{job['id']}/results/0", name="/api/generations/[id]/results/[n]"
            )

    @task(1)
    def history(self) -> None:
        self.api_get("/api/generations?page_size=10", "/api/generations")


class SoloGeneratingUser(GeneratingUser):
    """The single-user baseline (and the warm-up) of bench/load.sh: one job after another, so
    its p50 is the generation time of an idle system. Not part of the main mix (bench/load.sh
    names the classes of each phase)."""

    wait_time = between(0.5, 1)
    tasks = [GeneratingUser.generate]


class LoginUser(Visitor):
    fixed_count = 1
    wait_time = between(1, 2)

    def on_start(self) -> None:
        super().on_start()
        self.register()
        self.logins = 0

    @task
    def log_in_again(self) -> None:
        self.logins += 1
        self.api_login(by_email=self.logins % 2 == 0)
        # Log that session out again, so sessions do not pile up.
        self.client.post(
            "/api/auth/logout", json={"refresh": self.refresh}, name="POST /api/auth/logout"
        )
