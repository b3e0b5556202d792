# Shared by bench/load.sh and bench/pg_outage.sh (source it): the production environment on
# loopback, then gunicorn (gunicorn.conf.py) and `manage.py db_worker` processes.
#
# serve_env           export the production settings (DJANGO_DEBUG=false, TASKS_BACKEND=database)
# serve_reset_db      drop and create the PostgreSQL database of DATABASE_URL
# serve_prepare       migrate, cache table, static files (collectstatic only when they changed)
# serve_start PORT N  N db_workers + gunicorn on 127.0.0.1:PORT; waits for /readyz
# serve_stop          stop what serve_start started (also on EXIT via serve_env's trap)

SERVE_PY=${PYTHON:-.venv/bin/python}
SERVE_PIDS=()

serve_env() {
  SERVE_WORK=$(mktemp -d -t lightsb-serve-XXXXXX)
  export DATABASE_URL="${DATABASE_URL-postgres://postgres@127.0.0.1:5432/h_quality}"
  export DJANGO_DEBUG=false
  export SECRET_KEY="bench-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  export MEDIA_MASTER_KEY="$(head -c 32 /dev/urandom | base64 | tr '+/' '-_')"
  export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
  export DJANGO_SECURE_SSL_REDIRECT=false  # plain HTTP on loopback; TLS ends at the proxy
  export TASKS_BACKEND=database
  export MEDIA_ROOT="$SERVE_WORK/media"
  export LIGHTSB_VAR_DIR="$SERVE_WORK"
  export LOG_LEVEL=WARNING
  # The JSON access log stays on (gunicorn.conf.py's logconfig), as in production.
  # All virtual users share one IP: per-IP throttles would turn registration into 429s.
  export THROTTLE_REGISTER=1000000/hour THROTTLE_LOGIN=1000000/min THROTTLE_REFRESH=1000000/min
  if [[ -z "$DATABASE_URL" ]]; then
    unset DATABASE_URL
    export SQLITE_PATH="$SERVE_WORK/db.sqlite3"
  fi
  # Kept between runs: collectstatic compresses the Swagger bundles (about 45 s).
  export STATIC_ROOT="${STATIC_ROOT:-$PWD/var/loadtest-static}"
  trap serve_stop EXIT
}

serve_reset_db() {
  local db_name="${DATABASE_URL##*/}" admin_url="${DATABASE_URL%/*}/postgres"
  echo "== recreating database $db_name"
  psql "$admin_url" -q -c "DROP DATABASE IF EXISTS \"$db_name\" WITH (FORCE)"
  psql "$admin_url" -q -c "CREATE DATABASE \"$db_name\""
}

serve_prepare() {
  echo "== migrate, cache table, static files"
  $SERVE_PY manage.py migrate --noinput -v0
  $SERVE_PY manage.py createcachetable
  local manifest="$STATIC_ROOT/staticfiles.json"
  if [[ ! -f "$manifest" || -n "$(find static -newer "$manifest" -type f | head -1)" ]]; then
    $SERVE_PY manage.py collectstatic --noinput -v0
  fi
}

serve_start() {
  local port=$1 workers=$2 interval=${3:-1}
  echo "== starting $workers db_worker(s) and gunicorn on 127.0.0.1:$port"
  for n in $(seq 1 "$workers"); do
    $SERVE_PY manage.py db_worker --no-reload --interval "$interval" --worker-id "bench-$n" \
      >"$SERVE_WORK/worker-$n.log" 2>&1 &
    SERVE_PIDS+=($!)
  done
  .venv/bin/gunicorn lightsb_site.wsgi --config gunicorn.conf.py --bind "127.0.0.1:$port" \
    >"$SERVE_WORK/gunicorn.log" 2>&1 &
  SERVE_GUNICORN_PID=$!
  SERVE_PIDS+=($!)
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "gunicorn did not become ready"; tail -50 "$SERVE_WORK/gunicorn.log"
  return 2
}

serve_stop() {
  for pid in "${SERVE_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${SERVE_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  SERVE_PIDS=()
  # Keep the server logs next to the results (git-ignored) when asked to.
  if [[ -n "${SERVE_KEEP_LOGS:-}" && -n "${SERVE_WORK:-}" ]]; then
    mkdir -p "$SERVE_KEEP_LOGS"
    cp "$SERVE_WORK"/*.log "$SERVE_KEEP_LOGS"/ 2>/dev/null || true
  fi
  [[ -n "${SERVE_WORK:-}" ]] && rm -rf "$SERVE_WORK"
  return 0
}
