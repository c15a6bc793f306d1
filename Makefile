# make demo: install, then serve slides/ on 127.0.0.1:8000.
# make test: install (Chromium from Debian when missing), then every test and the linters.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST := $(BIN)/python -m pytest
INSTALLED := $(VENV)/.installed
REVEAL := node_modules/reveal.js/dist/reveal.js
HOST ?= 127.0.0.1
PORT ?= 8000

# tests/js: node's own test runner for the pure front-end modules in static/.
.PHONY: install demo test test-unit test-integration test-e2e fuzz lint chromium redis clean

install: $(REVEAL) $(INSTALLED)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(REVEAL): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The wheel (editable too) carries reveal.js, so npm ci comes first.
$(INSTALLED): pyproject.toml $(BIN)/python $(REVEAL)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: install
	$(BIN)/presenter serve slides --host $(HOST) --port $(PORT)

chromium:
	@test -x /usr/bin/chromium || { \
	  echo "installing Chromium from Debian packages"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# Tests start their own redis-server on 127.0.0.1 and a free port.
redis:
	@command -v redis-server >/dev/null || { \
	  echo "installing redis-server from Debian packages"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; \
	  systemctl disable --now redis-server >/dev/null 2>&1 || true; }

test: install chromium redis
	node --test tests/js/
	$(PYTEST) tests/unit tests/integration
	$(PYTEST) -c tests/tornado/pytest.ini --rootdir . tests/tornado
	$(PYTEST) tests/e2e
	$(MAKE) --no-print-directory fuzz lint

# The protocol parser, state validation and notes in Markdown under many more random inputs.
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(PYTEST) -q tests/unit/test_protocol_fuzz.py \
	  tests/unit/test_markdown_notes_property.py

test-unit: install
	node --test tests/js/
	$(PYTEST) tests/unit

test-integration: install redis
	$(PYTEST) tests/integration
	$(PYTEST) -c tests/tornado/pytest.ini --rootdir . tests/tornado

test-e2e: install chromium
	$(PYTEST) tests/e2e

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy presenter

bench: install
	$(BIN)/python -m bench.fanout --clients 1000 --broadcasts 20
	$(BIN)/python -m bench.fanout --clients 10000 --broadcasts 20

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis
