# Jiguan — the README's commands. Each target sets up what it needs on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
export DJANGO_SETTINGS_MODULE := jiguan.config.settings

.PHONY: run test bench lint setup worker messages clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

# Compiling the catalogues is a build step: DEBUG=1 spares it the production keys it does not use.
setup: $(VENV)/.installed node_modules/.installed
	DEBUG=1 $(PY) manage.py compilemo

## run: set up, migrate, load demo data into an empty database, serve on 127.0.0.1:$(PORT)
## (the background worker started here is stopped again when the server stops)
run: export JIGUAN_DEMO := 1
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed --scale demo --if-empty
	$(PY) manage.py demo_accounts --base-url http://127.0.0.1:$(PORT)
	$(PY) manage.py worker --background
	trap '$(PY) manage.py worker --stop' EXIT; trap 'exit 130' INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## test: set up and run the whole suite (SQLite unless DATABASE_URL is set)
test: setup
	JIGUAN_TESTING=1 $(PY) manage.py check --fail-level WARNING
	$(PY) -m pytest $(PYTEST_ARGS)

## bench: benchmarks at province scale (prints ratios, asserts nothing)
bench: setup
	$(PY) bench/api.py
	$(PY) bench/officespace.py
	$(PY) bench/pages.py
	$(PY) bench/monitor.py
	$(PY) bench/ingest.py

lint: setup
	$(VENV)/bin/ruff check .

## worker: the background worker in the foreground (Ctrl-C stops it after the current job)
worker: setup
	$(PY) manage.py worker

## messages: compile the translation catalogues
messages: setup

clean:
	rm -rf $(VENV) node_modules var
