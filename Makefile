# The two set-up commands of the README: `make run` and `make test`.
VENV   := .venv
BIN    := $(VENV)/bin
HASH   := $(shell sha1sum pyproject.toml Makefile | sha1sum | cut -c1-12)
PYTHON ?= python3
CHROMIUM := /usr/bin/chromium

# llama-cpp-python is compiled from source (PyPI has no wheels). It is built for a fixed,
# portable instruction set -- AVX2/FMA/F16C, no AVX-512, no AMX, never this host's CPU -- so a
# wheel built on one host runs on every host of this kind (a native build picks AMX where the CPU
# advertises it, and dies with SIGILL where the sandbox does not enable it). The wheel is kept
# in a folder named by version and flags; pip's own wheel cache is bypassed, since it does not
# key on CMAKE_ARGS and could hand back a native build.
LLAMA_CPP_VERSION := 0.3.36
LLAMA_CMAKE_ARGS  := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF \
	-DLLAMA_CURL=OFF
LLAMA_KEY    := $(shell echo '$(LLAMA_CPP_VERSION) $(LLAMA_CMAKE_ARGS)' | sha1sum | cut -c1-12)
LLAMA_WHEELS := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/palermo/wheels/llama-cpp-python-$(LLAMA_KEY)
PIP := $(BIN)/pip install --quiet --disable-pip-version-check

.PHONY: install dev llm browser postgres run test lint format bench bench-scale load clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

## The base package: all `make run` needs (no compiler, no model server).
$(VENV)/.base-$(HASH): | $(BIN)/python
	$(PIP) -e .
	touch $@

## Test tools, and the LLM extra with the portable llama-cpp-python wheel.
$(VENV)/.dev-$(HASH): $(VENV)/.base-$(HASH) $(VENV)/.llm-$(HASH)
	$(PIP) -e '.[dev]'
	touch $@

$(LLAMA_WHEELS)/.built:
	@echo "Building llama-cpp-python $(LLAMA_CPP_VERSION) for a portable CPU target (5-10 minutes on 2 cores, once per machine) ..."
	rm -rf $(LLAMA_WHEELS) && mkdir -p $(LLAMA_WHEELS)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) \
		$(BIN)/pip wheel --quiet --disable-pip-version-check --no-cache-dir --no-deps \
		--no-binary llama-cpp-python -w $(LLAMA_WHEELS) llama-cpp-python==$(LLAMA_CPP_VERSION)
	touch $@

$(VENV)/.llm-$(HASH): $(VENV)/.base-$(HASH) $(LLAMA_WHEELS)/.built
	$(PIP) --force-reinstall --no-deps $(LLAMA_WHEELS)/llama_cpp_python-*.whl
	$(PIP) --find-links $(LLAMA_WHEELS) --only-binary llama-cpp-python -e '.[llm]'
	touch $@

install: $(VENV)/.base-$(HASH)
dev: $(VENV)/.dev-$(HASH)
llm: $(VENV)/.llm-$(HASH)

## Debian's chromium for the browser test (a distribution package, never a downloaded build).
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	$$sudo apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium

browser: $(CHROMIUM)

## Debian's postgresql for the shared-ratings test (the test runs its own throw-away cluster).
POSTGRES := /usr/lib/postgresql
$(POSTGRES):
	@if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	$$sudo apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq postgresql

postgres: $(POSTGRES)

## Install the base package, bring the index in line with corpus/ (only what changed), start the app.
run: install
	$(BIN)/palermo ingest
	$(BIN)/palermo serve

## Install everything the tests use (chromium and postgresql too) and run the linter and the whole test suite.
test: dev browser postgres
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

format: dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python -m evals.bench

## Ingest at scale (about 30 min on 2 cores): 12,000 short records made from the UN speeches.
SPEECHES ?= ../shared/bench/un-general-debates
bench-scale: install
	$(BIN)/python -m evals.scale records $(SPEECHES) /tmp/palermo-records.jsonl --count 12000
	$(BIN)/python -m evals.scale run /tmp/palermo-records.jsonl

## Two app replicas over one Chroma server, 20 readers at a reader's pace (about 4 min, loopback).
load: install
	$(BIN)/python -m evals.load

clean:
	rm -rf .palermo runs
