# Mindway: two commands on a fresh machine.
#   make run   set up, seed the demo clinic on first run, serve on http://127.0.0.1:8000
#   make test  set up with test extras, then the whole suite (unit, PostgreSQL, browser)
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
VENDOR := src/mindway/web/static/vendor
PYTEST_ARGS ?=

.PHONY: run test setup setup-test assets browser lint typecheck bench clean

run: setup assets
	$(BIN)/mindway demo --if-empty
	$(BIN)/mindway serve --host $(HOST) --port $(PORT)

test: setup-test assets browser
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

# PyTorch first, pinned to the CPU build (sentence-transformers does not pin it; an unpinned
# torch pulls a multi-gigabyte GPU build).
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0

$(VENV)/.setup: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e .
	touch $@

$(VENV)/.setup-test: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e '.[test]'
	touch $@ $(VENV)/.setup

setup: $(VENV)/.setup
setup-test: $(VENV)/.setup-test

# Front-end packages come from the npm registry and are served by Mindway itself (no CDN).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(VENDOR)/htmx.min.js: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $@

# three.js and its WebXR button for the VR exposure scenes, bundled into one ES module.
$(VENDOR)/three.bundle.js: node_modules/.package-lock.json src/mindway/web/static/vr/three-entry.js
	mkdir -p $(VENDOR)
	node_modules/.bin/esbuild src/mindway/web/static/vr/three-entry.js --bundle --format=esm \
		--minify --legal-comments=eof --log-level=warning --outfile=$@

assets: $(VENDOR)/htmx.min.js $(VENDOR)/three.bundle.js

# Browser tests drive Debian's Chromium with Playwright (Playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

lint: setup-test
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: setup-test
	$(BIN)/mypy src

bench: setup-test
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .ruff_cache .mypy_cache
