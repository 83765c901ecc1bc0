# The README's two commands. Each works from a fresh clone: it makes .venv if
# missing and installs what it needs, pinned by binder/requirements.txt (the
# same versions Binder runs).

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PINS := binder/requirements.txt
PIP := $(BIN)/python -m pip --disable-pip-version-check

# Quiet Jupyter's platformdirs migration warning; draw plots without a screen in tests.
export JUPYTER_PLATFORM_DIRS := 1

.PHONY: lab test system-deps lint format bench notebooks student mutate clean

# JupyterLab on lesson 00, as tools/lab.py builds it (the browser tests start it the same way).
lab: $(VENV)/.installed-lab
	$(BIN)/python -m tools.lab

# system-deps first: on a machine without Chromium or Node.js it installs them, or stops before the minutes
# .venv takes, with what is missing and the commands that install it.
test: system-deps $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Chromium (tests/browser), Node.js and npm (tests/realprovider): apt-get installs them as root or via sudo -n.
system-deps:
	$(PYTHON) -m tools.system_deps

bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks

# Re-run every notebook in place and store its outputs (after editing one).
notebooks: $(VENV)/.installed-test
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.record_timing=False notebooks/[0-9][0-9]-*.ipynb

# The workshop hand-out ./student/, built from the committed lessons the course map lists: no outputs, no widget
# state, no solutions, with a README saying how to install tokenlab and start the lab (docs/trainer-guide.md).
student: $(VENV)/.installed-lab
	$(BIN)/tokenlab student-copy --out student

# Mutation testing of the modules that carry SECURITY.md's rules (docs/mutation.md): slow, never part of make test,
# with its own install (the mutate extra). MUTANTS narrows it to some modules: make mutate MUTANTS='tokenlab.claims*'.
# mutmut keeps its work in mutants/ and reruns only what changed; tools/mutation_report.py then lists every survivor
# with its line and diff, and fails on one that tools/mutation_accepted.txt does not explain.
MUTANTS ?=
mutate: $(VENV)/.installed-mutate
	set -f; $(BIN)/mutmut run $(MUTANTS)
	set -f; $(BIN)/python -m tools.mutation_report $(MUTANTS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-lab: pyproject.toml $(PINS) | $(BIN)/python
	$(PIP) install -c $(PINS) -e '.[lab]'
	touch $@

$(VENV)/.installed-test: pyproject.toml $(PINS) | $(BIN)/python
	$(PIP) install -c $(PINS) -e '.[test]'
	touch $@ $(VENV)/.installed-lab

$(VENV)/.installed-mutate: pyproject.toml $(PINS) | $(BIN)/python
	$(PIP) install -c $(PINS) -e '.[mutate]'
	touch $@ $(VENV)/.installed-test $(VENV)/.installed-lab

clean:
	rm -rf $(VENV) build src/*.egg-info mutants
