# The two commands: `make run` starts the daemon on the embedded default,
# `make test` runs ruff, mypy --strict, the whole pytest suite and every chaos scenario.
# Both create .venv and install everything the project needs on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest scenarios bench soak clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/tradeloop run $(ARGS)

test: lint typecheck pytest scenarios

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

# Every chaos scenario on the real daemon tree, fast mode; non-zero on a broken invariant.
scenarios: $(STAMP)
	$(BIN)/tradeloop scenario all > .venv/scenarios.txt || (cat .venv/scenarios.txt; exit 1)
	grep -E '\(seed [0-9]+\) ' .venv/scenarios.txt

bench: $(STAMP)
	$(BIN)/python bench/kernel.py

# The long profile: many more hypothesis examples (fault schedules, trees,
# fill sequences) than `make test` runs.
soak: $(STAMP)
	HYPOTHESIS_PROFILE=soak $(BIN)/pytest

clean:
	rm -rf $(VENV)
