# The two commands a newcomer needs: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
FLASK := $(BIN)/flask --app learning
PYTEST_ARGS ?=

.PHONY: run test test-fast install install-dev serve migrate demo courses lint format messages bench-quiz bench-import bench-faults bench-contest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || $(PYTHON) -m virtualenv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

$(VENV)/.installed: requirements.txt requirements-fonts.txt | $(BIN)/python
	$(BIN)/pip install -r requirements.txt
	$(BIN)/pip install --no-deps -r requirements-fonts.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

## make run: install, migrate, load the courses and the demo data, serve on http://127.0.0.1:8000
run: install migrate courses demo serve

migrate: install
	$(FLASK) db upgrade

demo: install
	$(FLASK) demo

courses: install
	$(FLASK) courses load

serve: install
	@echo "Serving on http://$(HOST):$(PORT) (Ctrl+C to stop)"
	$(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) wsgi:app

## make test: lint, then the whole suite (SQLite; set TEST_DATABASE_URL for PostgreSQL)
test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(PYTEST_ARGS)

## make test-fast: the suite without the browser and live-server tests (no Chromium, gunicorn
## or nginx started), for the edit-test loop; `make test` still runs everything
test-fast: install-dev
	$(BIN)/pytest --ignore=tests/browser --ignore=tests/test_live_server.py $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make messages: extract gettext strings into both catalogs and list missing translations
messages: install-dev
	$(BIN)/python -m tools.messages

## make bench-quiz: start/save/submit under gunicorn vs a bare INSERT, SQLite and PostgreSQL
bench-quiz: install-dev
	$(BIN)/python -m bench.quiz_engine

## make bench-contest: the contest rush, 300 locust workers released together, gunicorn and
## PostgreSQL (TEST_DATABASE_URL), next to a bare INSERT endpoint; behind nginx
## (deploy/nginx.conf) with `make bench-contest CONTEST_ARGS=--nginx`
CONTEST_ARGS ?=
bench-contest: install-dev
	$(BIN)/python -m bench.contest_load $(CONTEST_ARGS)

## make bench-import: a 50,000-row member list read, checked and written, SQLite and PostgreSQL
bench-import: install-dev
	$(BIN)/python -m bench.member_import

## make bench-faults: 10,000 saves and submits through gunicorn while a worker is SIGKILLed and
## the database connections are terminated; checks nothing acknowledged was lost (both databases)
bench-faults: install-dev
	$(BIN)/python -m bench.faults

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
