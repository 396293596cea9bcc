# devfin: `make run` runs the whole pipeline through Airflow on the embedded default;
# `make test` runs the whole test suite. Both install what they need first.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed

# Airflow of the embedded run: everything under the repo, SQLite metadata, no example DAGs.
export AIRFLOW_HOME := $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN := sqlite:///$(CURDIR)/.airflow/airflow.db
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION := True
# Room for a cold `dbt parse` should a DAG parse have to make the manifest the marts DAG draws
# its tasks from.
export AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT := 120
export DEVFIN_REPO_DIR ?= $(CURDIR)
ifeq ($(WAREHOUSE),postgres)
export DEVFIN_WAREHOUSE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/devfin
endif

# pip here prints a warning for each package about a local index folder it cannot read.
# A filter that keeps the exit status of the command before it (with pipefail) and never fails itself.
PIP_QUIET := { grep -v "is ignored: it is neither a file nor a directory" || true; }
# duckdb 2.0's bindings report "leaked" objects at interpreter exit when duckdb-engine and Great
# Expectations share a process; harmless (the process is ending) but a hundred lines of noise.
EXIT_NOISE := { grep -vE '^(nanobind: | - leaked | - \.\.\. skipped remainder|See https://nanobind)' || true; }

# Superset (`make bi`) in its own env: it pins SQLAlchemy 1.4 and pandas 2.1, Airflow's env
# holds SQLAlchemy 2.1 and pandas 3.1. Its home (metadata, secret key, admin password) is
# .superset/, git-ignored; its config bi/superset_config.py, its dashboards bi/dashboards/.
BI_VENV := .venv-bi
BI_BIN := $(CURDIR)/$(BI_VENV)/bin
BI_STAMP := $(BI_VENV)/.installed
BI_HOME := $(CURDIR)/.superset
BI_PORT ?= 8088

.PHONY: help install bi-install bi airflow-init run ui test test-unit test-distributed lint lock lock-bi clean samples bench chromium

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing the pinned requirements into $(VENV) (a few minutes the first time)"
	@$(BIN)/python -m pip install -q -r requirements.txt 2>&1 | $(PIP_QUIET)
	@$(BIN)/python -m pip install -q --no-deps -e . 2>&1 | $(PIP_QUIET)
	@touch $@

install: $(STAMP) ## create .venv and install the lock and devfin (editable)

$(BI_STAMP): requirements-bi.txt
	@test -x $(BI_BIN)/python || $(PYTHON) -m venv $(BI_VENV)
	@echo "installing Superset's pinned requirements into $(BI_VENV) (a minute or two the first time)"
	$(BI_BIN)/python -m pip install -q -r requirements-bi.txt 2>&1 | $(PIP_QUIET)
	@touch $@

bi-install: $(BI_STAMP) ## create .venv-bi: Superset 6.1 and its drivers (requirements-bi.txt)

# The warehouse as the BI tool reads it: `devfin warehouse bi-access` prints the DuckDB file, or
# on PostgreSQL makes the read roles and the BI login and prints the URL as that login.
bi: install $(BI_STAMP) ## Superset on the marts at http://127.0.0.1:8088 (BI_PORT), login printed; Ctrl-C stops it
	@if [ "$(WAREHOUSE)" = postgres ]; then \
	  psql -h 127.0.0.1 -U postgres -tc "select 1 from pg_database where datname = 'devfin'" | grep -q 1 \
	    || psql -h 127.0.0.1 -U postgres -c "create database devfin"; fi
	@url=$$($(BIN)/devfin warehouse bi-access) && \
	  $(BI_BIN)/python bi/setup.py --home $(BI_HOME) --warehouse-url "$$url" --port $(BI_PORT)

$(AIRFLOW_HOME)/airflow.db: $(STAMP)
	@mkdir -p $(AIRFLOW_HOME)
	@echo "initialising Airflow's metadata in $(AIRFLOW_HOME)/airflow.db (log: $(AIRFLOW_HOME)/db-migrate.log)"
	@$(BIN)/airflow db migrate > $(AIRFLOW_HOME)/db-migrate.log 2>&1 || (tail -30 $(AIRFLOW_HOME)/db-migrate.log; exit 1)

# The pools the DAGs name, each created where missing (one set by hand keeps its slots); made
# again when this file changes, so an existing .airflow/ gains a pool added here.
# devfin_duckdb: the tasks opening the DuckDB warehouse (dags/ingest.py, dags/build_marts.py).
$(AIRFLOW_HOME)/pools.stamp: $(AIRFLOW_HOME)/airflow.db Makefile
	@echo "creating the pools devfin_http, devfin_duckdb where missing (log: $(AIRFLOW_HOME)/db-migrate.log)"
	@$(BIN)/airflow pools get devfin_http > /dev/null 2>&1 || $(BIN)/airflow pools set devfin_http 1 "HTTP fetches of data sheets: one task at a time keeps the per-host rate" >> $(AIRFLOW_HOME)/db-migrate.log 2>&1
	@$(BIN)/airflow pools get devfin_duckdb > /dev/null 2>&1 || $(BIN)/airflow pools set devfin_duckdb 1 "Tasks opening the DuckDB warehouse: one process at a time may open its file" >> $(AIRFLOW_HOME)/db-migrate.log 2>&1
	@touch $@

airflow-init: $(AIRFLOW_HOME)/pools.stamp ## initialise Airflow's SQLite metadata and pools under .airflow/

# A line per task as it ends; Airflow's own output (its logs, the nanobind lines at the exit of
# each `airflow dags test`) goes to .airflow/logs/make-run-<dag>.log; a failed task's log tail is
# printed and make fails.
run: install airflow-init ## run the ingest DAGs and the marts DAG through Airflow, a line per task, then a summary
	@if [ "$(WAREHOUSE)" = postgres ]; then \
	  psql -h 127.0.0.1 -U postgres -tc "select 1 from pg_database where datname = 'devfin'" | grep -q 1 \
	    || psql -h 127.0.0.1 -U postgres -c "create database devfin"; fi
	@$(BIN)/devfin airflow-run --metadata "$(AIRFLOW__DATABASE__SQL_ALCHEMY_CONN)" --log-dir "$(AIRFLOW_HOME)/logs"

# The UI's port: `make ui UI_PORT=8090` when 8080 is taken.
UI_PORT ?= 8080

ui: install airflow-init ## the Airflow UI on http://127.0.0.1:8080 (UI_PORT=8090: another port) over make run's runs; Ctrl-C stops it
	@$(BIN)/devfin dbt-manifest > /dev/null
	@exec $(BIN)/python -m devfin.ui --port $(UI_PORT) --airflow-home $(AIRFLOW_HOME)

chromium: ## Debian's headless Chromium for the report's browser test (apt-get, as root)
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

test: install $(BI_STAMP) lint chromium ## lint, then the whole test suite (unit, DAG integrity, integration)
	$(BIN)/python -m pytest 2>&1 | $(EXIT_NOISE)

test-unit: install ## only the unit tests: no network, database or Airflow
	$(BIN)/python -m pytest tests/unit

test-distributed: install ## only the distributed test: scheduler, dag-processor, api-server, two Celery workers
	$(BIN)/python -m pytest -m distributed tests/integration/test_distributed.py 2>&1 | $(EXIT_NOISE)

lint: install ## ruff: lint rules and formatting
	$(BIN)/ruff check include dags tests bench bi
	$(BIN)/ruff format --check --quiet include dags tests bench bi

samples: install ## regenerate the generated sample sheets shipped in include/sample_data
	$(BIN)/devfin samples --count 20 --seed 2026 --defect-rate 0.3 --format mixed --out include/sample_data

bench: install ## the benchmarks in bench/ (figures in bench/README.md)
	$(BIN)/python bench/parse.py
	$(BIN)/python bench/load.py 2>&1 | $(EXIT_NOISE)
	$(BIN)/python bench/pipeline.py 2>&1 | $(EXIT_NOISE)
	$(BIN)/python bench/history.py 2>&1 | $(EXIT_NOISE)
	$(BIN)/python bench/validate.py 2>&1 | $(EXIT_NOISE)
	$(BIN)/python bench/airflow_run.py
	$(BIN)/python bench/iati_parse.py

lock: ## re-resolve requirements.in into the pinned requirements.txt
	$(PYTHON) -m pip install -q uv 2>&1 | $(PIP_QUIET)
	$(PYTHON) -m uv pip compile requirements.in --python-version 3.11 -o requirements.txt

lock-bi: ## re-resolve requirements-bi.in into the pinned requirements-bi.txt (Superset's env)
	$(PYTHON) -m pip install -q uv 2>&1 | $(PIP_QUIET)
	$(PYTHON) -m uv pip compile requirements-bi.in --python-version 3.11 -o requirements-bi.txt

clean: ## remove the embedded run's state (warehouse, archive, Airflow metadata), not .venv
	rm -rf .airflow warehouse data reports
