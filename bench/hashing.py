"""Print what one Argon2id hash costs under each candidate parameter set, one at a time.

Wall time and the process CPU time it used (p=8 spreads one hash over several cores, so its CPU
time is what a burst of them takes from everyone else). No Django needed:

    .venv/bin/python bench/hashing.py [rounds]
"""

from __future__ import annotations

import os
import statistics
import sys
import time

from argon2 import PasswordHasher, Type

# (label, memory KiB, passes, lanes): Django's default, then OWASP's Argon2id lines.
CANDIDATES = [
    ("django default 100 MiB t=2 p=8", 102400, 2, 8),
    ("owasp 46 MiB t=1 p=1", 47104, 1, 1),
    ("owasp 19 MiB t=2 p=1 (chosen)", 19456, 2, 1),
]


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    print(f"cpus: {os.cpu_count()}, rounds: {rounds}, load average: {os.getloadavg()[0]:.2f}")
    for label, memory, passes, lanes in CANDIDATES:
        hasher = PasswordHasher(
            time_cost=passes, memory_cost=memory, parallelism=lanes, type=Type.ID
        )
        wall, cpu = [], []
        for _ in range(rounds):
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            hasher.hash("plum-orchard-1987")
            wall.append((time.perf_counter() - start_wall) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        print(
            f"{label:32s} wall median {statistics.median(wall):6.1f} ms, "
            f"max {max(wall):6.1f} ms; CPU median {statistics.median(cpu):6.1f} ms"
        )


if __name__ == "__main__":
    main()
