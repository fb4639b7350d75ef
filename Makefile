# Two commands get a fresh clone going: `make demo` and `make test`.
# Both create .venv when it is missing and install policycheck into it.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# The bench environment: policycheck installed as a wheel would be (no editable hook), and
# parliament, the peer it is compared with, which policycheck itself never depends on.
BENCH_VENV  ?= .venv-bench
BENCH_BIN   := $(BENCH_VENV)/bin
BENCH_STAMP := $(BENCH_VENV)/.peers-stamp
PIP_QUIET   := --quiet --disable-pip-version-check

.PHONY: install test demo bench lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/ruff check policycheck tests tools bench
	$(BIN)/python -m pytest

demo: $(STAMP)
	@PYTHON=$(BIN)/python tools/demo.sh

$(BENCH_BIN)/python:
	$(PYTHON) -m venv $(BENCH_VENV)

$(BENCH_STAMP): $(BENCH_BIN)/python pyproject.toml
	$(BENCH_BIN)/python -m pip install $(PIP_QUIET) --upgrade pip
	$(BENCH_BIN)/python -m pip install $(PIP_QUIET) parliament .
	touch $(BENCH_STAMP)

# Reinstalls policycheck from this tree every time (the code under test changes), then runs
# every case (a few minutes) and prints one table; bench/README.md records the latest.
bench: $(BENCH_STAMP)
	$(BENCH_BIN)/python -m pip install $(PIP_QUIET) --no-deps --force-reinstall .
	$(BENCH_BIN)/python bench/run.py --markdown bench/results/latest.md

lint: $(STAMP)
	$(BIN)/ruff check policycheck tests tools bench
	$(BIN)/ruff format --check policycheck tests tools bench

format: $(STAMP)
	$(BIN)/ruff format policycheck tests tools bench
	$(BIN)/ruff check --fix policycheck tests tools bench

clean:
	rm -rf $(VENV) $(BENCH_VENV) build dist *.egg-info .pytest_cache .policycheck bench/results
