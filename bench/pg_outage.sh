#!/usr/bin/env bash
# PostgreSQL stopped for 10 s while Locust runs against gunicorn (production settings, loopback).
# Expected: requests fail fast with a 503 (JSON under /api/) instead of hanging until the gunicorn
# timeout, and once PostgreSQL is back the same processes serve again with 0 failures - no
# restart. Writes bench/results/pg-outage.md; exits non-zero when a target is missed.
#
#   bench/pg_outage.sh
#
# It stops the machine's PostgreSQL cluster (pg_ctlcluster), so every other user of that server
# sees the outage too: run it alone. Environment: DATABASE_URL (default .../h_quality_outage,
# recreated), OUTAGE_SECONDS (10), OUTAGE_USERS (30), OUTAGE_PORT (8113).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/serve_lib.sh

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/h_quality_outage}"
OUTAGE_SECONDS=${OUTAGE_SECONDS:-10}
USERS=${OUTAGE_USERS:-30}
PORT=${OUTAGE_PORT:-8113}
RESULTS=${LOAD_RESULTS_DIR:-bench/results}
CLUSTER_VERSION=$(ls /etc/postgresql | head -n 1)
mkdir -p "$RESULTS"

pg() { pg_ctlcluster --skip-systemctl-redirect "$CLUSTER_VERSION" main "$1"; }
ensure_pg_up() {  # never leave the machine's PostgreSQL down, whatever happens
  pg_isready -h 127.0.0.1 -q || pg start || true
}

serve_env
trap 'ensure_pg_up; serve_stop' EXIT
serve_reset_db
serve_prepare
serve_start "$PORT" 1

echo "== Locust: $USERS users for 75 s; PostgreSQL goes down at +30 s for ${OUTAGE_SECONDS} s"
.venv/bin/locust -f locustfile.py ApiUser PageUser GeneratingUser LoginUser --headless --host "http://127.0.0.1:$PORT" -u "$USERS" -r 10 \
  -t 75s --timeline-csv "$SERVE_WORK/timeline.csv" --results-json "$SERVE_WORK/outage.json" \
  --only-summary --loglevel ERROR >"$SERVE_WORK/locust.log" 2>&1 &
locust_pid=$!
sleep 30
# Never stop the database for nothing: the load must be flowing first.
served=$(grep -c '"gunicorn.access"' "$SERVE_WORK/gunicorn.log" || true)
if ! kill -0 "$locust_pid" 2>/dev/null || (( served < 100 )); then
  echo "the load is not running ($served requests served); PostgreSQL left alone"
  tail -20 "$SERVE_WORK/locust.log"
  exit 2
fi

down=$(date +%s.%N)
pg stop
echo "== PostgreSQL stopped"
sleep "$OUTAGE_SECONDS"
pg start
until pg_isready -h 127.0.0.1 -q; do sleep 0.1; done
up=$(date +%s.%N)
echo "== PostgreSQL accepting connections again after $(echo "$up - $down" | bc) s"

wait "$locust_pid" || true
# SERVE_PIDS[0] is the db_worker (serve_start starts the workers first).
worker_state="still running"
kill -0 "${SERVE_PIDS[0]}" 2>/dev/null || worker_state="exited (its supervisor must restart it)"
cp "$SERVE_WORK/timeline.csv" "$RESULTS/pg-outage-timeline.csv"
.venv/bin/python bench/pg_outage_report.py --timeline "$RESULTS/pg-outage-timeline.csv" \
  --down "$down" --up "$up" --users "$USERS" --worker "$worker_state" \
  --out "$RESULTS/pg-outage.md" --docs docs/benchmarks.md
