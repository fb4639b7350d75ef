# Two commands get a fresh clone going: `make demo` and `make test`.
# Both create .venv when it is missing and install policycheck into it.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install test demo bench lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/ruff check policycheck tests tools
	$(BIN)/python -m pytest

demo: $(STAMP)
	@PYTHON=$(BIN)/python tools/demo.sh

lint: $(STAMP)
	$(BIN)/ruff check policycheck tests tools
	$(BIN)/ruff format --check policycheck tests tools

format: $(STAMP)
	$(BIN)/ruff format policycheck tests tools
	$(BIN)/ruff check --fix policycheck tests tools

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .policycheck
