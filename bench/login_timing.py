"""Print how long a login check takes for a wrong password, an unknown account and a success.

With the production hasher (Argon2id) the first two should take about the same time, so
timing does not reveal whether an account exists. Runs on a throwaway SQLite file:

    .venv/bin/python bench/login_timing.py [rounds]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
workdir = tempfile.mkdtemp(prefix="lightsb-bench-")
os.environ["SQLITE_PATH"] = os.path.join(workdir, "bench.sqlite3")
os.environ["LIGHTSB_TESTING"] = "0"  # the real (slow) password hasher
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lightsb_site.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from accounts.backends import EmailOrUsernameBackend  # noqa: E402
from accounts.services import user_register  # noqa: E402

BENCH_PASSWORD = "plum-orchard-1987"  # noqa: S105 (a throwaway account)


def timed(backend, identifier: str, password: str, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        backend.authenticate(None, username=identifier, password=password)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    call_command("migrate", verbosity=0)
    user_register(username="bench", email="bench@example.com", password=BENCH_PASSWORD)
    backend = EmailOrUsernameBackend()
    print(f"hasher: {settings.PASSWORD_HASHERS[0].rsplit('.', 1)[-1]}, rounds: {rounds}")
    for label, identifier, password in [
        ("wrong password ", "bench", "not-the-password-1"),
        ("unknown account", "ghost@example.com", "not-the-password-1"),
        ("correct        ", "bench@example.com", BENCH_PASSWORD),
    ]:
        samples = timed(backend, identifier, password, rounds)
        print(
            f"{label}: median {statistics.median(samples):6.1f} ms, "
            f"p90 {sorted(samples)[int(0.9 * (len(samples) - 1))]:6.1f} ms"
        )


if __name__ == "__main__":
    main()
