"""Gunicorn settings for LightSB Service (`make run`, the Docker image, docker-compose).

Every value can be overridden with an environment variable (see `.env.example`), so one file
serves a laptop, a container and a fleet of machines.

Why these choices:
- No preload: torch is loaded after the fork, once in each worker (`post_worker_init`), so the
  master stays small, `manage.py migrate` never touches torch, and a worker that dies takes only
  its own copy with it.
- Threads: a request mostly waits on PostgreSQL or object storage; the heavy translation runs in
  the `db_worker` processes, so a few threads per worker serve many slow clients cheaply.
- `max_requests` with jitter: recycle workers now and then (bounding any slow leak) without all
  of them restarting, and re-warming the engine, at the same moment.
- Prometheus multiprocess mode: with several worker processes each one keeps its own counters;
  they write them to `PROMETHEUS_MULTIPROC_DIR` and `/metrics` adds them up.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

# Gunicorn reads this file before the project is on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from lightsb_site.env import env_bool, env_int


def _cpu_count() -> int:
    # Respect a CPU affinity mask (containers, taskset) rather than the host's total.
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


CPU_COUNT = _cpu_count()

# --- Processes --------------------------------------------------------------------------------
# One engine copy per worker costs memory (a few hundred MB with torch), so the default is
# CPU count + 1 capped at 4, not the classic 2*CPU+1; threads give the concurrency instead.
workers = env_int("GUNICORN_WORKERS", min(CPU_COUNT + 1, 4))
threads = env_int("GUNICORN_THREADS", 4)
worker_class = "gthread" if threads > 1 else "sync"
preload_app = False  # never: the engine must be loaded after the fork, per worker
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # --bind on the command line wins

# --- Timeouts ---------------------------------------------------------------------------------
# The warm-up runs inside post_worker_init, before the worker's first heartbeat, so the
# timeout must cover loading the engine (<= 2 s by contract; 60 s leaves room on a slow disk).
timeout = env_int("GUNICORN_TIMEOUT", 60)
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = env_int("GUNICORN_KEEPALIVE", 5)

# --- Recycling --------------------------------------------------------------------------------
max_requests = env_int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = env_int("GUNICORN_MAX_REQUESTS_JITTER", max(1, max_requests // 10))

# --- Request limits (uploads are checked again by the views) -----------------------------------
limit_request_line = 8190
limit_request_field_size = 8190

# Gunicorn's runtime control socket defaults to one path per user, so two servers on one host
# (the scale-out bench, a blue/green switch) would fight over it; off unless a path is given.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
if not control_socket:
    del control_socket

# Gunicorn believes X-Forwarded-Proto (and marks the request HTTPS) only from these addresses:
# by default the same proxies Django trusts (TRUSTED_PROXIES), and none when none is configured,
# so a client cannot claim HTTPS for a plain-HTTP request.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or os.environ.get("TRUSTED_PROXIES", "")

# --- Logging ----------------------------------------------------------------------------------
# The request id comes from lightsb_site.request_id.RequestIdMiddleware, which echoes it in the
# X-Request-ID response header; the access log reads it from there.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s pid=%(p)s'
_debug = env_bool("DJANGO_DEBUG", True)
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if _debug else "json").lower()
if LOG_FORMAT == "json":
    # Gunicorn's own lines (access and error) in the same JSON shape as Django's; the formatter
    # picks only whitelisted access fields (no client IP, no cookies, no query string).
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "lightsb_site.log.JsonFormatter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {
            "gunicorn.error": {
                "handlers": ["console"],
                "level": loglevel.upper(),
                "propagate": False,
            },
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }

# --- Prometheus multiprocess mode -------------------------------------------------------------
# Must be in the environment before any process imports prometheus_client, so it is set here,
# in the master, before the workers fork and import Django.
if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="lightsb-metrics-")
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


def post_worker_init(worker) -> None:
    """Load the translation engine once in this worker, before it takes requests."""
    log = logging.getLogger("gunicorn.error")
    # Web processes only run jobs with the immediate backend; with the database backend the
    # db_worker processes hold the engine, so web workers skip the load unless told otherwise.
    runs_jobs = os.environ.get("TASKS_BACKEND", "immediate") != "database"
    if not env_bool("LIGHTSB_WARM_ENGINE", runs_jobs):
        log.info("engine warm-up skipped (LIGHTSB_WARM_ENGINE=0 or jobs run in db_worker)")
        return
    try:
        from generation.engine import warm_up
    except ImportError as error:
        log.warning("engine warm-up unavailable: %s", error)
        return
    started = time.perf_counter()
    try:
        warm_up()
    except Exception:
        # A worker without an engine still serves pages and the API; /readyz reports the model
        # as not ready and the job runner reports the real error. Crash-looping would not help.
        log.exception("engine warm-up failed")
        return
    log.info("engine warm in worker pid=%s after %.2fs", worker.pid, time.perf_counter() - started)


def child_exit(server, worker) -> None:
    """Drop a dead worker's live gauges from the shared metrics directory."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    from prometheus_client import multiprocess

    # Same file naming as lightsb_site.metrics.process_identifier (host name + pid).
    multiprocess.mark_process_dead(f"{socket.gethostname().replace('_', '-')}-{worker.pid}")
