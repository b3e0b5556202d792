"""Read latency while a login storm hits the service, and with reads alone.

Against a server already running on loopback (bench/load.sh --storm starts one):

1. reads only: READERS threads GET /api/user and /api/generations with a bearer token for
   PHASE_SECONDS; p50/p95/p99 printed;
2. storm: the same readers keep reading while 50 registrations and 50 log-ins are sent within
   5 s (one every 50 ms, each in its own thread); read p50/p95/p99 during the burst and after it,
   and the burst's own latencies and failures.

Counts and durations are fixed and bounded; only 127.0.0.1 is accepted. Prints figures, asserts
nothing about time.

    .venv/bin/python bench/storm.py http://127.0.0.1:8111 [readers] [phase_seconds]
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlparse

PASSWORD = "storm-test-Passw0rd-42"  # noqa: S105 (throwaway accounts of the benchmark)
BURST_REGISTRATIONS = 50
BURST_LOGINS = 50
BURST_SECONDS = 5.0
READ_PATHS = ("/api/user", "/api/generations")


def request(
    base: str, path: str, body: dict | None = None, token: str = ""
) -> tuple[int, float, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(base + path, data=data, headers=headers)
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            payload = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        payload, status = error.read(), error.code
    elapsed = (time.perf_counter() - start) * 1000
    return status, elapsed, payload


def register(base: str, username: str) -> tuple[int, float, bytes]:
    return request(
        base,
        "/api/auth/register",
        {
            "username": username,
            "email": f"{username}@example.com",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )


def login_token(base: str, username: str) -> str:
    status, _, payload = request(
        base, "/api/auth/login", {"identifier": username, "password": PASSWORD}
    )
    assert status == 200, (status, payload)
    return json.loads(payload)["access"]


def percentiles(samples: list[float]) -> str:
    if len(samples) < 2:
        return f"n={len(samples)}"
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return (
        f"n={len(samples):5d}  p50 {cuts[49]:7.1f} ms  p95 {cuts[94]:7.1f} ms  "
        f"p99 {cuts[98]:7.1f} ms  max {max(samples):7.1f} ms"
    )


class Readers:
    def __init__(self, base: str, tokens: list[str]):
        self.base, self.tokens = base, tokens
        self.samples: list[tuple[float, float, int]] = []  # (start time, ms, status)
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def _read(self, token: str) -> None:
        index = 0
        while not self.stop.is_set():
            started = time.monotonic()
            path = READ_PATHS[index % len(READ_PATHS)]
            status, elapsed, _ = request(self.base, path, token=token)
            index += 1
            with self.lock:
                self.samples.append((started, elapsed, status))

    def start(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._read, args=(t,), daemon=True) for t in self.tokens]
        for thread in threads:
            thread.start()
        return threads

    def window(self, begin: float, end: float) -> tuple[list[float], int]:
        with self.lock:
            chosen = [s for s in self.samples if begin <= s[0] < end]
        return [ms for _, ms, _ in chosen], sum(1 for *_, status in chosen if status != 200)


def main() -> None:
    base = sys.argv[1].rstrip("/")
    if urlparse(base).hostname not in {"127.0.0.1", "localhost"}:
        raise SystemExit("storm.py only targets loopback")
    readers_count = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    phase = float(sys.argv[3]) if len(sys.argv) > 3 else 20.0

    prefix = uuid.uuid4().hex[:8]
    readers_names = [f"rd{prefix}{n}" for n in range(readers_count)]
    login_names = [f"li{prefix}{n}" for n in range(BURST_LOGINS)]
    for name in readers_names + login_names:
        status, _, payload = register(base, name)
        assert status == 201, (status, payload)
    readers = Readers(base, [login_token(base, name) for name in readers_names])
    threads = readers.start()

    time.sleep(2)  # connections warm
    reads_from = time.monotonic()
    time.sleep(phase)
    reads_to = time.monotonic()

    burst: list[tuple[str, int, float]] = []
    burst_lock = threading.Lock()

    def one(kind: str, index: int) -> None:
        if kind == "register":
            status, ms, _ = register(base, f"rg{prefix}{index}")
            ok = status == 201
        else:
            status, ms, _ = request(
                base, "/api/auth/login", {"identifier": login_names[index], "password": PASSWORD}
            )
            ok = status == 200
        with burst_lock:
            burst.append((kind, status if not ok else 0, ms))

    jobs = [("register", n) for n in range(BURST_REGISTRATIONS)]
    jobs += [("login", n) for n in range(BURST_LOGINS)]
    jobs = [job for pair in zip(jobs[:50], jobs[50:], strict=True) for job in pair]
    gap = BURST_SECONDS / len(jobs)
    burst_from = time.monotonic()
    senders = []
    for position, job in enumerate(jobs):
        time.sleep(max(0.0, burst_from + position * gap - time.monotonic()))
        sender = threading.Thread(target=one, args=job)
        sender.start()
        senders.append(sender)
    for sender in senders:
        sender.join()
    burst_to = time.monotonic()
    time.sleep(phase)
    after_to = time.monotonic()
    readers.stop.set()
    for thread in threads:
        thread.join()

    print(f"readers: {readers_count} threads alternating {', '.join(READ_PATHS)}")
    for label, (begin, end) in {
        "reads only       ": (reads_from, reads_to),
        "reads, storm     ": (burst_from, burst_to),
        "reads, after     ": (burst_to, after_to),
    }.items():
        samples, failures = readers.window(begin, end)
        print(f"{label} {percentiles(samples)}  failures {failures}")
    print(f"storm lasted {burst_to - burst_from:.1f} s (sent over {BURST_SECONDS:.0f} s)")
    for kind in ("register", "login"):
        done = [ms for k, _, ms in burst if k == kind]
        failed = [status for k, status, _ in burst if k == kind and status]
        print(f"{kind:9s} {percentiles(done)}  failures {len(failed)} {sorted(set(failed))}")


if __name__ == "__main__":
    main()
