"""Judge a PostgreSQL outage run (bench/pg_outage.sh) from Locust's request timeline.

Windows: before the stop, during (stop to PostgreSQL accepting connections again) and after.
Targets: no failure before; during, every request ends quickly (well under the gunicorn
timeout) and every failure is a 503 with a JSON body; after, 0 failures. Writes markdown and
exits 1 when a target is missed.

    python bench/pg_outage_report.py --timeline t.csv --down 1700000000.1 --up 1700000010.2 \
        --out bench/results/pg-outage.md
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

DOCS_FOOTER = """
Requests count in the window they started in; a request that started before the stop and
ended after it counts as "during". Reproduce: `bench/pg_outage.sh` (it stops the machine's
PostgreSQL cluster with `pg_ctlcluster`, so run it alone); the request timeline is
`bench/results/pg-outage-timeline.csv` (git-ignored).
"""
FAIL_FAST_SECONDS = 10.0  # connect_timeout is 5 s; the gunicorn timeout is 60 s


def load(path: Path) -> list[dict]:
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["start"] = float(row["start"])
        row["seconds"] = float(row["ms"]) / 1000
        row["ok"] = row["ok"] == "1"
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeline", required=True, type=Path)
    parser.add_argument("--down", required=True, type=float)
    parser.add_argument("--up", required=True, type=float)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--users", default="?")
    parser.add_argument("--worker", default="", help="what became of the db_worker")
    parser.add_argument("--docs", type=Path, help="also write the section into this markdown")
    args = parser.parse_args()

    rows = [row for row in load(args.timeline) if row["kind"] != "JOB"]
    before = [r for r in rows if r["start"] + r["seconds"] < args.down]
    during = [r for r in rows if r not in before and r["start"] < args.up]
    after = [r for r in rows if r["start"] >= args.up]
    during_failures = [r for r in during if not r["ok"]]
    slowest = max((r["seconds"] for r in during), default=0.0)
    statuses = Counter(r["status"] for r in during_failures)
    api_failures = [r for r in during_failures if "/api/" in r["name"] or "(API" in r["name"]]
    api_non_json = [r for r in api_failures if not (r["status"] == "503" and "json" in r["type"])]

    checks = [
        ("No failure before the outage", not [r for r in before if not r["ok"]], ""),
        (
            f"During: every request ends within {FAIL_FAST_SECONDS:.0f} s",
            slowest <= FAIL_FAST_SECONDS,
            f"slowest {slowest:.2f} s",
        ),
        (
            "During: every failed API request is a JSON 503",
            not api_non_json,
            f"{len(api_failures) - len(api_non_json)} of {len(api_failures)}",
        ),
        (
            "During: every failure is a 503 (pages: an HTML 503)",
            set(statuses) <= {"503"},
            ", ".join(f"{count} x {status}" for status, count in statuses.items()) or "none",
        ),
        (
            "After PostgreSQL is back: 0 failures, no restart",
            bool(after) and not [r for r in after if not r["ok"]],
            f"{sum(not r['ok'] for r in after)} failed of {len(after)}",
        ),
    ]
    outage = args.up - args.down
    lines = [
        "# PostgreSQL outage under load",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {args.users} Locust users",
        f"- PostgreSQL stopped at +0 s, accepting connections again after {outage:.1f} s "
        "(stop, 10 s down, start); gunicorn (production settings) was not restarted",
        f"- The `db_worker` process after the outage: {args.worker or 'not checked'}",
        "",
        "| Window | Requests | Failed | 503 JSON | 503 HTML | slowest s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, window in (("before", before), ("during", during), ("after", after)):
        failed = [r for r in window if not r["ok"]]
        lines.append(
            f"| {name} | {len(window)} | {len(failed)} | "
            f"{sum(r['status'] == '503' and 'json' in r['type'] for r in failed)} | "
            f"{sum(r['status'] == '503' and 'html' in r['type'] for r in failed)} | "
            f"{max((r['seconds'] for r in window), default=0):.2f} |"
        )
    lines += ["", "| Target | Result | Measured |", "|---|---|---|"]
    lines += [f"| {n} | {'pass' if ok else '**FAIL**'} | {m} |" for n, ok, m in checks]
    report = "\n".join(lines) + "\n"
    args.out.write_text(report)
    if args.docs:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from bench.docs_section import write_section

        body = report.replace("# PostgreSQL", "## PostgreSQL", 1) + DOCS_FOOTER
        write_section(args.docs, "quality-pg-outage", body)
    print(report)
    ok = all(ok for _, ok, _ in checks)
    print("RESULT:", "all targets met" if ok else "a target was missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
