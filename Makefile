# The two commands a newcomer runs: `make demo` and `make test`. Both set up what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)
MODEL  ?= local/qwen2.5-coder-1.5b
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help setup system-deps test lint typecheck unit demo bench serve clean

help:
	@echo "make demo   - set up and run the main job on the embedded local model"
	@echo "make test   - set up and run every check (ruff, mypy, pytest with PostgreSQL and Chromium)"
	@echo "make bench  - run every benchmark under bench/ and print its table"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,local,postgres,anthropic,ray,mlflow]'
	touch $(STAMP)

setup: $(STAMP)

# PostgreSQL for the store tests and Chromium for the browser tests, from Debian.
system-deps:
	@if [ ! -x /usr/lib/postgresql/15/bin/initdb ] || [ ! -x /usr/bin/chromium ]; then \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql chromium >/dev/null; \
	fi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy

unit: setup system-deps
	$(BIN)/evalign models pull qwen2.5-coder-0.5b
	EVALIGN_REQUIRE_PG=1 $(BIN)/pytest -q

test: lint typecheck unit

demo: setup
	MODEL=$(MODEL) PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

bench: setup system-deps
	PATH="$(CURDIR)/$(BIN):$$PATH" bash bench/run_all.sh

serve: setup
	$(BIN)/evalign serve

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
