#!/usr/bin/env bash
# Load test the production way, on loopback: gunicorn with gunicorn.conf.py and DJANGO_DEBUG=false,
# PostgreSQL, TASKS_BACKEND=database with `manage.py db_worker` processes, then Locust headless
# with fixed users, spawn rate and duration. Writes CSVs, JSON and a markdown summary to
# bench/results/ and exits non-zero when a target is missed (see bench/load_report.py).
#
#   bench/load.sh            # full run: single-user baseline, then 100 users for 3 minutes
#   bench/load.sh --smoke    # CI smoke: 20 users for 30 s; only the "0 failures" target judged
#   bench/load.sh --storm    # reads only, then reads during 50 registrations + 50 log-ins in 5 s
#                            # (bench/storm.py; LOAD_STORM_READERS default 4, LOAD_STORM_PHASE 20 s)
#
# Environment (all optional):
#   DATABASE_URL         default postgres://postgres@127.0.0.1:5432/h_quality; empty = SQLite file
#   LOAD_RESET_DB=1      drop and create that PostgreSQL database first (default 1 for the full run)
#   LOAD_PORT            default 8111          LOAD_DB_WORKERS   default 2
#   LOAD_USERS / LOAD_SPAWN_RATE / LOAD_DURATION / LOAD_MEASURE_AFTER / LOAD_BASELINE_DURATION
#   LOAD_RESULTS_DIR     default bench/results  LOAD_NAME        default full | smoke
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=full
[[ "${1:-}" == "--smoke" ]] && MODE=smoke
[[ "${1:-}" == "--storm" ]] && MODE=storm
DOCS=(--docs docs/benchmarks.md)
if [[ $MODE == storm ]]; then
  RESET_DEFAULT=0 LOAD_DB_WORKERS=${LOAD_DB_WORKERS:-0}  # unique names: no reset; no jobs run
elif [[ $MODE == smoke ]]; then
  USERS=${LOAD_USERS:-20} SPAWN=${LOAD_SPAWN_RATE:-10} DURATION=${LOAD_DURATION:-30s}
  MEASURE_AFTER=${LOAD_MEASURE_AFTER:-10} BASELINE=${LOAD_BASELINE_DURATION:-10s}
  RESET_DEFAULT=0 REPORT_FLAGS=(--smoke) DOCS=()
else
  USERS=${LOAD_USERS:-100} SPAWN=${LOAD_SPAWN_RATE:-5} DURATION=${LOAD_DURATION:-180s}
  MEASURE_AFTER=${LOAD_MEASURE_AFTER:-60} BASELINE=${LOAD_BASELINE_DURATION:-40s}
  RESET_DEFAULT=1 REPORT_FLAGS=()
fi
PORT=${LOAD_PORT:-8111}
HOST="http://127.0.0.1:${PORT}"
DB_WORKERS=${LOAD_DB_WORKERS:-2}
WORKER_INTERVAL=${LOAD_WORKER_INTERVAL:-1}  # db_worker's default, as the README's Deploying section runs it
RESULTS=${LOAD_RESULTS_DIR:-bench/results}
NAME=${LOAD_NAME:-$MODE}
PY=${PYTHON:-.venv/bin/python}
LOCUST=${LOCUST:-.venv/bin/locust}
mkdir -p "$RESULTS"

source bench/serve_lib.sh
serve_env
[[ -n "${DATABASE_URL:-}" && "${LOAD_RESET_DB:-$RESET_DEFAULT}" == 1 ]] && serve_reset_db
serve_prepare
serve_start "$PORT" "$DB_WORKERS" "$WORKER_INTERVAL"
WORK=$SERVE_WORK
workers_line="gunicorn $(pgrep -c -P "$SERVE_GUNICORN_PID" || true) workers"
workers_line+=" x ${GUNICORN_THREADS:-4} threads"

if [[ $MODE == storm ]]; then
  echo "== login storm: $workers_line, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  $PY bench/storm.py "$HOST" "${LOAD_STORM_READERS:-4}" "${LOAD_STORM_PHASE:-20}"
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi

echo "== warm-up: every db_worker loads the engine with its first job (not measured)"
$LOCUST -f locustfile.py SoloGeneratingUser --headless --host "$HOST" -u "$DB_WORKERS" \
  -r "$DB_WORKERS" -t "${LOAD_WARMUP_DURATION:-12s}" --only-summary --loglevel ERROR \
  >"$WORK/locust-warmup.log" 2>&1 || true

echo "== baseline: one generating user alone for $BASELINE"
$LOCUST -f locustfile.py SoloGeneratingUser --headless --host "$HOST" -u 1 -r 1 -t "$BASELINE" \
  --csv "$RESULTS/$NAME-baseline" --results-json "$RESULTS/$NAME-baseline.json" \
  --only-summary --loglevel WARNING >"$WORK/locust-baseline.log" 2>&1 || true

echo "== main run: $USERS users, spawn rate $SPAWN/s, $DURATION"
$LOCUST -f locustfile.py ApiUser PageUser GeneratingUser LoginUser --headless --host "$HOST" \
  -u "$USERS" -r "$SPAWN" -t "$DURATION" \
  --measure-after "$MEASURE_AFTER" --csv "$RESULTS/$NAME" --results-json "$RESULTS/$NAME.json" \
  --timeline-csv "$RESULTS/$NAME-timeline.csv" --only-summary --loglevel WARNING \
  >"$WORK/locust-main.log" 2>&1 || true
load_average=$(cut -d' ' -f1-3 /proc/loadavg)
tail -40 "$WORK/locust-main.log"
if grep -qi "error\|traceback" "$WORK/gunicorn.log"; then
  echo "== gunicorn errors (last lines):"; grep -i -A3 "error\|traceback" "$WORK/gunicorn.log" | tail -30
fi

db_kind=SQLite
[[ -n "${DATABASE_URL:-}" ]] && db_kind=PostgreSQL
setup="$workers_line, $DB_WORKERS db_worker(s) (--interval $WORKER_INTERVAL), $db_kind, "
setup+="DJANGO_DEBUG=false, plain HTTP on loopback; machine load average at the end: $load_average"
$PY bench/load_report.py --main "$RESULTS/$NAME.json" --baseline "$RESULTS/$NAME-baseline.json" \
  --out "$RESULTS/$NAME.md" --setup "$setup" "${REPORT_FLAGS[@]}" "${DOCS[@]}"
