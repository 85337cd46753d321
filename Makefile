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

setup: $(VENV)/.installed node_modules/.installed
	$(PY) manage.py compilemo

## run: set up, migrate, load demo data into an empty database, serve on 127.0.0.1:$(PORT)
run: setup
	JIGUAN_DEMO=1 $(PY) manage.py migrate --noinput
	JIGUAN_DEMO=1 $(PY) manage.py seed --scale demo --if-empty
	JIGUAN_DEMO=1 $(PY) manage.py demo_accounts
	JIGUAN_DEMO=1 $(PY) manage.py worker --background
	JIGUAN_DEMO=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

## test: set up and run the whole suite (SQLite unless DATABASE_URL is set)
test: setup
	JIGUAN_TESTING=1 $(PY) manage.py check --fail-level WARNING
	$(PY) -m pytest $(PYTEST_ARGS)

## bench: benchmarks at province scale (prints ratios, asserts nothing)
bench: setup
	$(PY) bench/api.py

lint: setup
	$(VENV)/bin/ruff check .

worker: setup
	$(PY) manage.py worker

clean:
	rm -rf $(VENV) node_modules var
