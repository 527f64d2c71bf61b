# The two set-up commands of the README: `make run` and `make test`.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
PYTHON ?= python3
CHROMIUM := /usr/bin/chromium

.PHONY: install browser run test lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,llm]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

## Debian's chromium for the browser test (a distribution package, never a downloaded build).
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	$$sudo apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium

browser: $(CHROMIUM)

## Install, bring the index in line with corpus/ (only what changed), start the chat app.
run: install
	$(BIN)/palermo ingest
	$(BIN)/palermo serve

## Install (with chromium for the browser test) and run the linter and the whole test suite.
test: install browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python -m evals.bench

clean:
	rm -rf .palermo runs
