# ESS 2024 — see README.md. Every target sets up what it needs on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# A Python >= 3.12 (Django 6 needs it): the one .python-version names through pyenv, else the first found.
PYTHON ?= $(shell for p in "$$(pyenv which python 2>/dev/null)" python3.13 python3.12 $$HOME/.pyenv/versions/3.13*/bin/python $$HOME/.pyenv/versions/3.12*/bin/python python3; do \
	command -v "$$p" >/dev/null 2>&1 && "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v "$$p"; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: help venv run test lint fmt bench

help:
	@echo "make run    — installe tout et sert le site sur http://127.0.0.1:8000 avec des données de démo"
	@echo "make test   — installe tout et lance la suite de tests complète"
	@echo "make lint   — ruff check, ruff format --check, makemigrations --check"
	@echo "make bench  — lance les mesures de performance (bench/results.json)"

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
	DJANGO_SETTINGS_MODULE=ess2024.settings_test $(PY) manage.py makemigrations --check --dry-run

fmt: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: venv
	$(VENV)/bin/pytest

run: venv
	DJANGO_SETTINGS_MODULE=ess2024.settings_dev $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=ess2024.settings_dev $(PY) manage.py seed_demo
	DJANGO_SETTINGS_MODULE=ess2024.settings_dev $(PY) manage.py runserver 127.0.0.1:8000

bench: venv
	$(PY) -m bench
