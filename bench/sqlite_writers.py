"""Concurrent writers on the default SQLite database: count "database is locked" errors.

Starts N threads (each with its own connection, as gunicorn threads have) that repeat the
app's real write transactions on one SQLite file: registering a user, recording usage on one
shared hot row, creating a job after a read in the same transaction (the read-then-write that
deadlocks DEFERRED transactions), and claiming it with a conditional UPDATE. Prints a JSON
line with the counts and the throughput.

    python bench/sqlite_writers.py --writers 20 --rounds 10 [--deferred]

``--deferred`` uses SQLite's default transaction mode instead of the project's IMMEDIATE, to
show what the setting prevents. Uses a temporary database unless SQLITE_PATH is set.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--deferred", action="store_true")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="sqlite-writers-")
    os.environ.pop("DATABASE_URL", None)  # the embedded default: SQLite
    os.environ.setdefault("SQLITE_PATH", str(Path(workdir) / "db.sqlite3"))
    os.environ.setdefault("LIGHTSB_VAR_DIR", workdir)
    os.environ.setdefault("LIGHTSB_TESTING", "1")  # fast hasher: measure the database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lightsb_site.settings")

    from django.conf import settings

    if args.deferred:
        # Before any connection exists: SQLite's own default, DEFERRED transactions.
        settings.DATABASES["default"]["OPTIONS"].pop("transaction_mode", None)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.utils import OperationalError

    from accounts.services import user_register
    from generation.models import Generation, Status
    from stats.services import usage_stats_record

    call_command("migrate", verbosity=0, interactive=False)
    hot_user = user_register(username="hot", email="hot@example.com", password="x" * 12)
    connection.close()

    locked: list[str] = []
    other: list[str] = []
    transactions = [0]
    counter_lock = threading.Lock()
    start_barrier = threading.Barrier(args.writers)

    def one_round(writer: int, round_number: int) -> int:
        name = f"w{writer}r{round_number}"
        user = user_register(username=name, email=f"{name}@example.com", password="x" * 12)
        usage_stats_record(user=hot_user, images_count=1, processing_seconds=0.5)
        with transaction.atomic():
            # Read, then write in the same transaction: the daily-limit check of a new job.
            Generation.objects.filter(owner=user).count()
            job = Generation.objects.create(
                owner=user, direction="male_to_female", input_image=f"x/{name}.jpg"
            )
        Generation.objects.filter(pk=job.pk, status=Status.QUEUED).update(status=Status.RUNNING)
        return 4

    def writer(number: int) -> None:
        from django.db import connections

        start_barrier.wait()
        try:
            for round_number in range(args.rounds):
                try:
                    done = one_round(number, round_number)
                except OperationalError as error:
                    (locked if "locked" in str(error) else other).append(str(error))
                    continue
                except Exception:
                    other.append(traceback.format_exc(limit=3))
                    continue
                with counter_lock:
                    transactions[0] += done
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(args.writers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started

    from stats.models import UsageStats

    hot_count = UsageStats.objects.get(user=hot_user).usage_count
    print(
        json.dumps(
            {
                "writers": args.writers,
                "rounds": args.rounds,
                "mode": "deferred" if args.deferred else "immediate",
                "transactions": transactions[0],
                "locked_errors": len(locked),
                "other_errors": other[:5],
                "hot_row_count": hot_count,
                "seconds": round(seconds, 2),
                "transactions_per_second": round(transactions[0] / seconds, 1),
            }
        )
    )
    return 0 if not locked and not other else 1


if __name__ == "__main__":
    sys.exit(main())
