# The two commands: `make run` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run dev test test-fast lint typecheck format install migrate bench-engine home-examples loadtest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade --quiet pip

# Reinstall only when a requirements file changed.
$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable

# `make run`: production-like on plain http over loopback: DEBUG off (friendly 404/500 pages),
# static files through whitenoise, no TLS redirect, no HSTS, cookies without Secure. Any of
# these can still be set in the environment (DJANGO_DEBUG=1 make run).
run: export DJANGO_DEBUG ?= 0
run: export DJANGO_SECURE_SSL_REDIRECT ?= 0
run: export DJANGO_HSTS_SECONDS ?= 0
run: export LIGHTSB_SECURE_COOKIES ?= 0
run: migrate
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/gunicorn lightsb_site.wsgi --config gunicorn.conf.py --bind $(HOST):$(PORT)

# `make dev`: Django's development server with DEBUG on (reloads on change, debug pages).
dev: export DJANGO_DEBUG ?= 1
dev: migrate
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint

typecheck: install
	LIGHTSB_TESTING=1 $(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint typecheck
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || test -n "$$CHROMIUM_PATH" \
		|| echo "NOTE: no Chromium found: the browser end-to-end tests will be SKIPPED (apt-get install chromium)"
	LIGHTSB_TESTING=1 $(BIN)/python -m pytest

# The quick loop: lint and every test but the browser and load suites, on a kept test database
# (--create-db after a migration), without the coverage gate (a subset cannot meet it).
test-fast: lint
	LIGHTSB_TESTING=1 $(BIN)/python -m pytest -m "not browser and not load" --reuse-db --no-cov -q

bench-engine: install
	$(BIN)/python bench/engine.py

# The home page's before/after pictures, remade by the engine (commit static/examples/ after).
home-examples: install
	$(BIN)/python manage.py make_home_examples

# 100 users against gunicorn + db_worker on PostgreSQL (DATABASE_URL, default .../h_quality);
# figures in bench/results/full.md, non-zero exit when a target is missed.
loadtest: install
	bench/load.sh

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .coverage htmlcov
