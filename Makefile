# One command sets up and runs the product (make run); one sets up and passes
# every test (make test). Both create .venv and install pinned versions.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --disable-pip-version-check -q -c constraints.txt
WEB_SOURCES := $(shell find web/src web/index.html web/package.json web/vite.config.ts -type f 2>/dev/null)

run-cloud: install-test web
	$(BIN)/quiz run-cloud $(if $(APIS),--api-processes $(APIS),)

.PHONY: run run-cloud web-test test lint typecheck imports pytest test-tools web install-local install-test install-bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q --upgrade "pip>=24"

$(VENV)/.local: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e .
	touch $@

$(VENV)/.test: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e ".[test]"
	touch $@ $(VENV)/.local

# The benchmarks' extras (granian to compare servers, py-spy to profile).
install-bench: $(VENV)/.test
	$(PIP) -e ".[test,bench]"

install-local: $(VENV)/.local
install-test: $(VENV)/.test

web/dist/index.html: $(WEB_SOURCES)
	@if [ -f web/package.json ]; then cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build; fi

web: web/dist/index.html

run: install-local web
	$(BIN)/quiz serve $(ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-test
	$(BIN)/mypy quizcore adapters entrypoints

imports: install-test
	$(BIN)/lint-imports

# The tools some suites drive, pinned, installed before the suite rather than
# by its first test: checkov, the Datadog test agent, the load generator.
bench/loadgen/node_modules/.package-lock.json: bench/loadgen/package-lock.json
	cd bench/loadgen && npm ci --no-audit --no-fund --loglevel=error

test-tools: bench/loadgen/node_modules/.package-lock.json
	bash infra/checkov.sh install
	bash infra/ddagent.sh install > /dev/null

web-test: web
	cd web && npm test

# Parallel: one worker per core (at least two); tests sharing a costly
# fixture share a worker (tests/conftest.py). Not one more: the cloud
# suite's own processes (moto, two APIs, the workers) need the cores too, and
# on a slow two-core machine a third worker starved moto past its clients'
# 30 s read timeout.
PYTEST_WORKERS ?= $(shell $(PYTHON) -c "import os; print(max(2, os.cpu_count() or 1))")
pytest: install-test web test-tools
	$(BIN)/python -m pytest -q -ra -n $(PYTEST_WORKERS) --dist loadgroup

test: lint typecheck imports web-test pytest

clean:
	rm -rf $(VENV) web/dist web/node_modules
