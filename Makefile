# Talentpool developer commands. Every target builds what it needs from nothing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP_VERSION := 26.3
# `make lock UPGRADE=1` moves every unpinned (transitive) dependency to its newest version; without it, the
# versions already in the locks are kept wherever the .in files still allow them.
UV_COMPILE = $(BIN)/uv pip compile --quiet --universal --generate-hashes --custom-compile-command "make lock" \
	$(if $(UPGRADE),--upgrade)
CDK    := node_modules/.bin/cdk
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONPATH := $(CURDIR)/layers/core/python:$(CURDIR)

.PHONY: run test lint typecheck pytest synth deploy bench browser openapi lock clean

# Everything from the hashed dev lock, so every clean install (CI's included) gets the same versions.
$(STAMP): requirements-dev.lock client/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip==$(PIP_VERSION)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e client
	touch $@

$(CDK): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

## run: the whole system locally at http://127.0.0.1:3000 (PORT overrides)
run: $(STAMP)
	$(BIN)/python -m local

## test: lint, type-check and every test suite (unit, integration, infra, e2e; axe-core comes from npm ci)
test: $(STAMP) browser lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy --strict layers/core/python/talentpool local infra functions app.py
	$(BIN)/mypy --strict -p talentpool_client

pytest: $(STAMP) $(CDK)
	$(BIN)/python -m pytest tests

# Browser tests drive Debian's chromium; install it when we may (root), otherwise the tests say why they skip.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "chromium is not installed: browser tests will skip (CI requires them)"; }

## synth: offline cdk synth, no AWS credentials needed, with the tests' operator values (SYNTH_CONTEXT= for yours)
SYNTH_CONTEXT ?= $(shell $(BIN)/python -m tests.infra.context 2>/dev/null)
synth: $(STAMP) $(CDK)
	$(CDK) synth --no-notices --quiet --app "$(BIN)/python app.py" $(SYNTH_CONTEXT)

## deploy: cdk deploy into the account and region of your AWS credentials
deploy: $(STAMP) $(CDK)
	$(CDK) deploy --no-notices --app "$(BIN)/python app.py" $(CDK_ARGS)

## bench: the benchmarks; figures go to bench/results.json and docs/performance.md
bench: $(STAMP)
	$(BIN)/python -m bench

## openapi: regenerate docs/openapi.json from the route handlers (a test fails when they drift)
openapi: $(STAMP)
	$(BIN)/python -m tools.openapi

## lock: resolve requirements.in (the layer's) and requirements-dev.in into their hashed lock files
lock: $(STAMP)
	$(UV_COMPILE) --python-version 3.12 requirements.in -o requirements.lock
	$(UV_COMPILE) --python-version 3.11 requirements-dev.in -o requirements-dev.lock

clean:
	rm -rf $(VENV) cdk.out .build .local node_modules
