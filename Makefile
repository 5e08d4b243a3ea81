# Everychild's single task runner. Each target creates or reuses the local virtual
# environment (.venv) and installs what it needs, so every target is one command on a
# fresh machine. README.md and .ci/run call these targets and nothing else.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev

.PHONY: run test lint bench screenshots format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --editable '.[dev]'
	touch $@

## run: start an embedded central index with demo data and the desktop client against it
run: $(STAMP)
	$(PY) -m app demo

## test: the whole suite (unit, integration against real SQLCipher/PostgreSQL/loopback server, GUI offscreen)
test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

## lint: ruff (rules and formatting) and mypy --strict
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy app server tests bench

## bench: benchmarks; prints ratios against baselines measured in the same run
bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m bench

## screenshots: render the client's main screens offscreen into docs/screenshots/
screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m tests.gui.screenshots docs/screenshots

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .hypothesis build *.egg-info
