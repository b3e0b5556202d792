"""Turn the figures of a Locust run (locustfile.py --results-json) into a markdown summary and
check the targets. Exit status 1 when a target is missed.

    python bench/load_report.py --main bench/results/full.json \
        --baseline bench/results/full-baseline.json --out bench/results/full.md

Targets (issue 5): 0 failed requests; p95 <= 150 ms for authenticated API reads and page
views; generation p95 within 3x its single-user p50. Logins are reported, not judged.
``--smoke`` keeps only the failure target (a short CI run on a shared machine is no place
for latency assertions) and still prints every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LATENCY_TARGET_MS = 150.0
GENERATION_FACTOR = 3.0
CATEGORIES = [
    ("api_reads", "Authenticated API reads"),
    ("page_views", "Page views (logged in)"),
    ("writes", "API writes (profile, refresh, upload)"),
    ("logins", "Logins and registrations (Argon2)"),
    ("generation", "Generation end to end (upload to finished job)"),
]


DOCS_FOOTER = """
Reproduce (starts gunicorn with `gunicorn.conf.py`, two `db_worker`s and PostgreSQL
`h_quality`, which it recreates): `make loadtest` (= `bench/load.sh`). Locust's own CSVs and
the JSON figures land in `bench/results/` (CSV and JSON git-ignored); CI runs
`bench/load.sh --smoke` (20 users, 30 s) through `make test` (tests/test_load_smoke.py).
"""


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (what Locust reports too)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "count": len(values),
        "p50": percentile(values, 0.50),
        "p95": percentile(values, 0.95),
        "p99": percentile(values, 0.99),
        "max": max(values) if values else float("nan"),
    }


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {cores} cores{memory}, Python {platform.python_version()}"


def postgres_version() -> str:
    try:
        out = subprocess.run(
            ["psql", "--version"], capture_output=True, text=True, timeout=5, check=False
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def fmt(value: float) -> str:
    return "-" if value != value else f"{value:.0f}"  # NaN: no sample


def build_report(main: dict, baseline: dict | None, *, smoke: bool, setup: str) -> tuple[str, bool]:
    checks: list[tuple[str, bool, str]] = []
    stats = {key: summary(main["samples"].get(key, [])) for key, _ in CATEGORIES}

    failures = main["failures"] + (baseline["failures"] if baseline else 0)
    checks.append(("0 failed requests", failures == 0, f"{failures} failed"))
    for key in ("api_reads", "page_views"):
        p95 = stats[key]["p95"]
        ok = stats[key]["count"] > 0 and (smoke or p95 <= LATENCY_TARGET_MS)
        label = dict(CATEGORIES)[key]
        checks.append((f"{label}: p95 <= {LATENCY_TARGET_MS:.0f} ms", ok, f"p95 {fmt(p95)} ms"))
    if baseline is not None:
        single = summary(baseline["samples"].get("generation", []))
        limit = GENERATION_FACTOR * single["p50"]
        p95 = stats["generation"]["p95"]
        ok = stats["generation"]["count"] > 0 and (smoke or p95 <= limit)
        checks.append(
            (
                f"Generation p95 <= {GENERATION_FACTOR:.0f}x single-user p50",
                ok,
                f"p95 {fmt(p95)} ms vs 3 x {fmt(single['p50'])} = {fmt(limit)} ms",
            )
        )

    lines = [
        f"# Load test: {main['users']} users ({'smoke' if smoke else 'full run'})",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}; {postgres_version()}",
        f"- Setup: {setup}",
        f"- Locust: {main['users']} users, spawn rate {main['spawn_rate']}/s, "
        f"{main['run_time']} s; latencies counted after the first {main['measure_after']:.0f} s "
        "(every user registered and logged in by then); failures counted over the whole run",
        f"- Requests: {main['requests']} ({main['requests_per_second']} per second)",
        "",
        "| Category | Requests | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, label in CATEGORIES:
        row = stats[key]
        lines.append(
            f"| {label} | {row['count']} | {fmt(row['p50'])} | {fmt(row['p95'])} | "
            f"{fmt(row['p99'])} | {fmt(row['max'])} |"
        )
    if baseline is not None:
        single = summary(baseline["samples"].get("generation", []))
        lines.append(
            f"| Generation, one user alone (baseline) | {single['count']} | {fmt(single['p50'])}"
            f" | {fmt(single['p95'])} | {fmt(single['p99'])} | {fmt(single['max'])} |"
        )
    lines += ["", "| Target | Result | Measured |", "|---|---|---|"]
    for name, ok, measured in checks:
        lines.append(f"| {name} | {'pass' if ok else '**FAIL**'} | {measured} |")
    examples = main.get("failure_examples", []) + (baseline or {}).get("failure_examples", [])
    if examples:
        lines += ["", "Failures (first ones):", ""] + [f"- `{item}`" for item in examples[:10]]
    return "\n".join(lines) + "\n", all(ok for _, ok, _ in checks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--main", required=True, type=Path)
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--setup", default="")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--docs", type=Path, help="also write the section into this markdown")
    args = parser.parse_args()

    main_figures = json.loads(args.main.read_text())
    baseline = json.loads(args.baseline.read_text()) if args.baseline else None
    report, ok = build_report(main_figures, baseline, smoke=args.smoke, setup=args.setup)
    args.out.write_text(report)
    if args.docs:
        from bench.docs_section import write_section

        body = report.replace("# Load test", "## Load test", 1) + DOCS_FOOTER
        write_section(args.docs, "quality-load", body)
    print(report)
    print("RESULT:", "all targets met" if ok else "a target was missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
