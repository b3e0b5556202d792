"""Scale-out proof on one machine, over loopback.

Runs the production topology in miniature: two gunicorn web processes on two ports behind a
small round-robin proxy, `db_worker` job workers, one PostgreSQL database and a local
S3-compatible store (moto_server). It submits jobs through the proxy with the public API, then
checks in the database that every job finished exactly once, and shows how the submissions
spread over the two web processes and the jobs over the workers. Throughput is measured twice:
with one worker, then with two.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_deploy .venv/bin/python bench/scaleout.py \
        --jobs 12 --write-docs

The database named in DATABASE_URL is dropped and created again: give it one of its own.
``--dry-run`` starts everything, checks the plumbing (proxy spread, readiness, bucket, workers
up) and submits nothing, so it runs without the engine.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import io
import itertools
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
MOTO = str(ROOT / ".venv" / "bin" / "moto_server")
DOCS = ROOT / "docs" / "benchmarks.md"
SECTION_START = "<!-- scale-out:start -->"
SECTION_END = "<!-- scale-out:end -->"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "trailer"}


# --- A round-robin proxy ---------------------------------------------------------------------


class RoundRobin:
    def __init__(self, backends: list[int]):
        self.backends = backends
        self._cycle = itertools.cycle(backends)
        self._lock = threading.Lock()
        self.served: Counter[int] = Counter()

    def next(self) -> int:
        with self._lock:
            port = next(self._cycle)
            self.served[port] += 1
            return port


def make_proxy(port: int, balancer: RoundRobin) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            backend = balancer.next()
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["X-Forwarded-For"] = self.client_address[0]
            upstream = http.client.HTTPConnection("127.0.0.1", backend, timeout=120)
            try:
                upstream.request(self.command, self.path, body=body, headers=headers)
                reply = upstream.getresponse()
                payload = reply.read()
            finally:
                upstream.close()
            self.send_response(reply.status, reply.reason)
            for key, value in reply.getheaders():
                if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                    self.send_header(key, value)
            self.send_header("X-Backend-Port", str(backend))
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _forward

        def log_message(self, format: str, *args) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server


# --- Processes ---------------------------------------------------------------------------------


@dataclass
class Fleet:
    env: dict[str, str]
    log_dir: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, command: list[str], **extra_env: str) -> subprocess.Popen:
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**self.env, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)


def wait_until(check, *, seconds: float, what: str, pause: float = 0.25):
    deadline = time.monotonic() + seconds
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as error:  # the thing is still starting
            last_error = error
        time.sleep(pause)
    raise SystemExit(f"timed out waiting for {what} ({last_error!r})")


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def http_json(
    method: str,
    port: int,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        reply = connection.getresponse()
        raw = reply.read()
        reply_headers = {key.lower(): value for key, value in reply.getheaders()}
    finally:
        connection.close()
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        data = {"raw": raw[:200].decode(errors="replace")}
    return reply.status, data, reply_headers


def web_ready(port: int, *, need_model: bool) -> bool:
    status, body, _ = http_json("GET", port, "/readyz")
    if status == 200:
        return True
    # A dry run may go ahead before the engine exists: only the model may be missing then.
    return not need_model and body.get("failing") == ["model"]


def scrape_summary(proxy_port: int) -> str:
    """What one web process's /metrics says about every process's generations."""
    from prometheus_client.parser import text_string_to_metric_families

    connection = http.client.HTTPConnection("127.0.0.1", proxy_port, timeout=30)
    try:
        connection.request(
            "GET",
            "/metrics",
            headers={"Authorization": "Bearer scaleout-metrics", "Host": "localhost"},
        )
        reply = connection.getresponse()
        text = reply.read().decode()
    finally:
        connection.close()
    if reply.status != 200:
        return f"HTTP {reply.status}"
    generations: Counter[str] = Counter()
    stage_seconds: Counter[str] = Counter()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "lightsb_generations_total":
                generations[sample.labels["status"]] += int(sample.value)
            elif sample.name == "lightsb_generation_stage_seconds_sum":
                stage_seconds[sample.labels["stage"]] += sample.value
    if not generations:
        return "HTTP 200, no generation metrics recorded (observe_generation not called)"
    stages = ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in stage_seconds.most_common())
    return f"HTTP 200; generations by status {dict(generations)}; time by stage: {stages}"


# --- The database --------------------------------------------------------------------------


def recreate_database(database_url: str) -> None:
    import psycopg

    parsed = urllib.parse.urlparse(database_url)
    name = parsed.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"refusing odd database name {name!r}")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


# --- The workload ------------------------------------------------------------------------------


def portrait_png() -> bytes:
    """A real photograph with one face (scikit-image's astronaut), as PNG bytes."""
    from PIL import Image
    from skimage import data

    buffer = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buffer, format="PNG")
    return buffer.getvalue()


def multipart(fields: dict[str, str], file_bytes: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for key, value in fields.items():
        disposition = f'Content-Disposition: form-data; name="{key}"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="portrait.png"\r\nContent-Type: image/png\r\n\r\n'
        ).encode()
        + file_bytes
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def sign_up(proxy_port: int, label: str) -> str:
    username = f"bench{label}{uuid.uuid4().hex[:6]}"
    password = f"Scale-out {uuid.uuid4().hex}"
    account = {
        "username": username,
        "email": f"{username}@example.com",
        "password": password,
        "password_confirm": password,
    }
    status, data, _ = http_json(
        "POST",
        proxy_port,
        "/api/auth/register",
        body=json.dumps(account).encode(),
        headers={"Content-Type": "application/json"},
    )
    if status != 201:
        raise SystemExit(f"register failed: {status} {data}")
    status, data, _ = http_json(
        "POST",
        proxy_port,
        "/api/auth/login",
        body=json.dumps({"identifier": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    if status != 200:
        raise SystemExit(f"login failed: {status} {data}")
    return data["access"]


@dataclass
class PhaseResult:
    label: str
    workers: int
    jobs: int
    variants: int
    wall_seconds: float
    by_worker: dict[str, int]
    by_web: dict[int, int]
    problems: list[str]
    mean_job_seconds: float
    load_average: float

    @property
    def jobs_per_minute(self) -> float:
        return 60.0 * self.jobs / self.wall_seconds if self.wall_seconds else 0.0


def submit(
    *, proxy_port: int, token: str, jobs: int, variants: int, image: bytes
) -> tuple[list[str], Counter[int]]:
    """Queue ``jobs`` generations through the proxy; returns their ids and the web spread."""
    auth = {"Authorization": f"Bearer {token}"}
    ids: list[str] = []
    by_web: Counter[int] = Counter()
    for number in range(jobs):
        body, content_type = multipart(
            {"direction": "male_to_female", "variants": str(variants), "seed": str(number)}, image
        )
        status, data, headers = http_json(
            "POST",
            proxy_port,
            "/api/generate",
            body=body,
            headers={**auth, "Content-Type": content_type, "Idempotency-Key": uuid.uuid4().hex},
        )
        if status not in (201, 202):
            raise SystemExit(f"submit failed: {status} {data}")
        ids.append(data["id"])
        by_web[int(headers["x-backend-port"])] += 1
    return ids, by_web


def wait_finished(*, proxy_port: int, token: str, ids: list[str]) -> float:
    """Poll every job through the proxy until all are finished; returns the seconds waited."""
    auth = {"Authorization": f"Bearer {token}"}
    started = time.monotonic()
    pending = set(ids)
    deadline = started + 60 * 30
    while pending and time.monotonic() < deadline:
        for generation_id in list(pending):
            status, data, _ = http_json(
                "GET", proxy_port, f"/api/generations/{generation_id}", headers=auth
            )
            if status == 200 and data["status"] in ("succeeded", "failed", "canceled"):
                pending.discard(generation_id)
        time.sleep(0.5)
    if pending:
        raise SystemExit(f"{len(pending)} jobs never finished")
    return time.monotonic() - started


def verify(ids: list[str], variants: int) -> tuple[dict[str, int], list[str], float, float]:
    """Check in the database that each job ran once, on one worker, with all its outputs."""
    from django.db import close_old_connections
    from django_tasks_db.models import DBTaskResult

    from generation.models import Generation, GenerationResult

    close_old_connections()
    problems: list[str] = []
    generations = {str(row.pk): row for row in Generation.objects.filter(pk__in=ids)}
    if len(generations) != len(ids):
        problems.append(f"lost: {len(ids) - len(generations)} jobs have no row")
    for generation_id, row in generations.items():
        if row.status != "succeeded":
            problems.append(f"{generation_id}: {row.status} {row.error_code}")
        if row.attempts != 1:
            problems.append(f"{generation_id}: ran {row.attempts} times")
    results = Counter(
        str(value)
        for value in GenerationResult.objects.filter(generation_id__in=ids).values_list(
            "generation_id", flat=True
        )
    )
    for generation_id in ids:
        if results[generation_id] != variants:
            problems.append(f"{generation_id}: {results[generation_id]} results, not {variants}")
    tasks: Counter[str] = Counter()
    for task in DBTaskResult.objects.all():
        payload = json.dumps(task.args_kwargs)
        for generation_id in ids:
            if generation_id in payload:
                tasks[generation_id] += 1
                if task.status != "SUCCESSFUL" or len(task.worker_ids) != 1:
                    problems.append(f"{generation_id}: task {task.status} {task.worker_ids}")
    duplicated = [generation_id for generation_id in ids if tasks[generation_id] != 1]
    if duplicated:
        problems.append(f"{len(duplicated)} jobs have no task or more than one")
    by_worker = Counter(row.worker_id for row in generations.values())
    first_start = min(row.started_at for row in generations.values())
    last_finish = max(row.finished_at for row in generations.values())
    mean_job = sum(row.processing_seconds or 0 for row in generations.values()) / len(ids)
    return dict(by_worker), problems, (last_finish - first_start).total_seconds(), mean_job


# --- Main --------------------------------------------------------------------------------------


def worker_command(worker_id: str) -> list[str]:
    # Warm the engine before taking jobs, as gunicorn's post_worker_init does for web workers,
    # so the timing measures steady-state throughput rather than model loading.
    code = (
        "import django; django.setup()\n"
        "from generation.engine import warm_up\n"
        "warm_up()\n"
        "from django.core.management import call_command\n"
        f"call_command('db_worker', worker_id={worker_id!r}, interval=0.2)\n"
    )
    return [PYTHON, "-c", code]


def run(args: argparse.Namespace) -> list[PhaseResult]:
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database of your own")
    log_dir = Path(tempfile.mkdtemp(prefix="lightsb-scaleout-"))
    metrics_dir = log_dir / "metrics"
    metrics_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lightsb_site.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        # One key for every process: a token signed by one web process is checked by the other.
        "SECRET_KEY": secrets.token_urlsafe(64),
        "MEDIA_MASTER_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "DATABASE_URL": database_url,
        "TASKS_BACKEND": "database",
        "AWS_STORAGE_BUCKET_NAME": "lightsb-scaleout",
        "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{args.s3_port}",
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": "scaleout",
        "AWS_SECRET_ACCESS_KEY": "scaleout-secret",
        "LOG_FORMAT": "json",
        "METRICS_TOKEN": "scaleout-metrics",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "GENERATION_DAILY_LIMIT": "100000",
        "THROTTLE_REGISTER": "1000/hour",
        # The round-robin proxy below appends X-Forwarded-For, as a real balancer does.
        "TRUSTED_PROXIES": "127.0.0.1",
        "LIGHTSB_TORCH_THREADS": str(args.torch_threads),
        "OMP_NUM_THREADS": str(args.torch_threads),
        "MKL_NUM_THREADS": str(args.torch_threads),
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "4",
        "LIGHTSB_WARM_ENGINE": "0" if args.dry_run else "1",
    }
    env.pop("LIGHTSB_TESTING", None)
    os.environ.update(env)
    fleet = Fleet(env=env, log_dir=log_dir)
    balancer = RoundRobin(args.web_ports)
    proxy = make_proxy(args.proxy_port, balancer)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    print(f"logs: {log_dir}")
    try:
        print(f"database: recreating {urllib.parse.urlparse(database_url).path.lstrip('/')}")
        recreate_database(database_url)
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "createcachetable")

        fleet.start("s3", [MOTO, "-H", "127.0.0.1", "-p", str(args.s3_port)])
        wait_until(lambda: port_open(args.s3_port), seconds=30, what="moto_server")
        sys.path.insert(0, str(ROOT / "deploy"))
        from create_bucket import ensure_bucket

        print(f"bucket: {ensure_bucket()}")

        for port in args.web_ports:
            fleet.start(
                f"web-{port}",
                [
                    GUNICORN,
                    "lightsb_site.wsgi",
                    "--config=gunicorn.conf.py",
                    f"--bind=127.0.0.1:{port}",
                ],
            )
        for port in args.web_ports:
            wait_until(
                lambda port=port: web_ready(port, need_model=not args.dry_run),
                seconds=120,
                what=f"web {port} ready",
            )
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()

        spread = Counter(
            int(http_json("GET", args.proxy_port, "/healthz")[2]["x-backend-port"])
            for _ in range(10)
        )
        print(f"proxy spread of 10 probes: {dict(spread)}")
        if set(spread) != set(args.web_ports):
            raise SystemExit("the proxy did not reach both web processes")

        if args.dry_run:
            fleet.start("worker-a", [PYTHON, "manage.py", "db_worker", "--worker-id", "worker-a"])
            time.sleep(3)
            alive = fleet.processes["worker-a"].poll() is None
            print(f"dry run: worker alive={alive}; plumbing works")
            return []

        image = portrait_png()
        results = []
        for workers in args.workers:
            # Queue the whole batch first, then start the workers: the timing is how fast they
            # drain a backlog, not how fast one client can upload.
            token = sign_up(args.proxy_port, f"w{workers}")
            ids, by_web = submit(
                proxy_port=args.proxy_port,
                token=token,
                jobs=args.jobs,
                variants=args.variants,
                image=image,
            )
            names = [f"worker-{chr(ord('a') + index)}" for index in range(workers)]
            for name in names:
                fleet.start(name, worker_command(name))
            client_seconds = wait_finished(proxy_port=args.proxy_port, token=token, ids=ids)
            by_worker, problems, wall, mean_job = verify(ids, args.variants)
            # Generation.worker_id is "host:pid"; show the worker's name instead.
            names_by_pid = {str(fleet.processes[name].pid): name for name in names}
            by_worker = {
                names_by_pid.get(key.rsplit(":", 1)[-1], key): count
                for key, count in by_worker.items()
            }
            for name in names:
                fleet.stop(name)
            result = PhaseResult(
                label=f"{workers} worker{'s' if workers > 1 else ''}",
                workers=workers,
                jobs=args.jobs,
                variants=args.variants,
                wall_seconds=wall,
                by_worker=by_worker,
                by_web=dict(by_web),
                problems=problems,
                mean_job_seconds=mean_job,
                load_average=os.getloadavg()[0],
            )
            results.append(result)
            print(
                f"{result.label}: {result.jobs} jobs in {wall:.1f}s "
                f"({result.jobs_per_minute:.1f} jobs/min; client waited {client_seconds:.1f}s "
                "including warm-up); "
                f"by worker {by_worker}; submissions by web port {dict(by_web)}; "
                f"problems: {problems or 'none'}"
            )
        args.metrics_summary = scrape_summary(args.proxy_port)
        print(f"/metrics through the proxy: {args.metrics_summary}")
        return results
    finally:
        proxy.shutdown()
        fleet.stop_all()


def markdown(results: list[PhaseResult], args: argparse.Namespace) -> str:
    lines = [
        SECTION_START,
        "## Scale-out",
        "",
        "Two gunicorn web processes (ports "
        f"{' and '.join(str(port) for port in args.web_ports)}, one worker each) behind a "
        "round-robin proxy, `db_worker` job workers, one PostgreSQL database and moto_server as "
        "the S3 store, all on one machine over loopback. Each job: one 512 x 512 portrait "
        f"(scikit-image's astronaut), `male_to_female`, {args.variants} variants. Workers warm "
        f"the engine before taking jobs; each process runs torch with {args.torch_threads} "
        "thread(s). Wall time runs from the first job's start to the last job's finish "
        "(database timestamps); the batch is queued before the workers start, so it measures how "
        "fast they drain a backlog.",
        "",
        "| job workers | jobs | wall time (s) | jobs/min | mean job (s) | jobs per worker "
        "| submissions per web process | lost / duplicated | load average after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        per_worker = ", ".join(
            f"{name}: {count}" for name, count in sorted(result.by_worker.items())
        )
        per_web = ", ".join(f"{port}: {count}" for port, count in sorted(result.by_web.items()))
        verdict = "none" if not result.problems else "; ".join(result.problems[:3])
        lines.append(
            f"| {result.workers} | {result.jobs} | {result.wall_seconds:.1f} "
            f"| {result.jobs_per_minute:.1f} | {result.mean_job_seconds:.2f} | {per_worker} "
            f"| {per_web} | {verdict} | {result.load_average:.1f} |"
        )
    summary = getattr(args, "metrics_summary", "")
    if summary:
        lines += [
            "",
            "`/metrics` of one web process afterwards (the workers' counters reach it through "
            f"the shared `PROMETHEUS_MULTIPROC_DIR`): {summary}.",
        ]
    if len(results) >= 2 and results[0].jobs_per_minute:
        speedup = results[-1].jobs_per_minute / results[0].jobs_per_minute
        lines += ["", f"Speed-up from one worker to two: **{speedup:.2f} times**."]
    lines += [
        "",
        f"Machine: {os.cpu_count()} CPU cores, shared with other work while measured (see the "
        "load average: above 2 means processes were queuing for a core; a second worker only "
        "helps as far as a core is free, so these figures vary from run to run), "
        f"{datetime.now(UTC):%Y-%m-%d}. Reproduce:",
        "",
        "```sh",
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_deploy \\",
        f"  .venv/bin/python bench/scaleout.py --jobs {args.jobs} --variants {args.variants} "
        "--write-docs",
        "```",
        SECTION_END,
    ]
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    """Replace only the Scale-out section of docs/benchmarks.md; other sections stay."""
    current = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
    if SECTION_START in current and SECTION_END in current:
        head, rest = current.split(SECTION_START, 1)
        _, tail = rest.split(SECTION_END, 1)
        updated = head + text.rstrip("\n") + tail
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    DOCS.write_text(updated)


@contextlib.contextmanager
def _quiet_sigint() -> Iterator[None]:
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=12, help="jobs per phase")
    parser.add_argument("--variants", type=int, default=2)
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="worker counts, one phase each"
    )
    parser.add_argument("--web-ports", type=int, nargs=2, default=[8103, 8104])
    parser.add_argument("--proxy-port", type=int, default=8105)
    parser.add_argument("--s3-port", type=int, default=9100)
    parser.add_argument("--torch-threads", type=int, default=1)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    with _quiet_sigint():
        results = run(args)
    if results:
        text = markdown(results, args)
        print(text)
        if args.write_docs:
            write_section(text)
            print(f"wrote the Scale-out section of {DOCS.relative_to(ROOT)}")
        if any(result.problems for result in results):
            raise SystemExit(1)


if __name__ == "__main__":
    main()
