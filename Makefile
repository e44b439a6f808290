# The two commands a new user needs: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# Decisions made while the notebooks run under test go to a throwaway record, not the working one.
TEST_RECORD ?= $(CURDIR)/.pytest_cache/decision_record.yaml
PYTEST_ARGS ?=
# One OpenMP thread per process under test: scikit-learn's gradient boosting spin-waits when the kernels, Voila and
# pytest share two cores (measured: labels_needed on 3,000 rows 473 s with default threads, 49 s with one, at load 12).
OMP_NUM_THREADS ?= 1
# tests/ runs in this many processes (pytest-xdist, one test file per worker at a time); the notebooks run after it,
# in order, in one process (they share the throwaway record the way a team's notebooks share theirs).
TEST_WORKERS ?= 2

.PHONY: run test dashboard bench bench-quick install install-test clean-notebooks

$(PY):
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "aipm-workbook needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	# Byte-compiled once here: kernels start faster where PYTHONDONTWRITEBYTECODE is set (containers, CI).
	$(PY) -m compileall -q aipm_widgets >/dev/null
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m compileall -q aipm_widgets >/dev/null
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## make run: install (first time) and start JupyterLab on the start page, bound to 127.0.0.1
run: install
	$(VENV)/bin/aipm lab notebooks

## make dashboard: the notebooks as Voila dashboards on http://127.0.0.1:8866/
dashboard: install
	$(VENV)/bin/aipm dashboard notebooks

## make test: every tier (core, widgets, notebooks, real browser)
test: install-test
	mkdir -p $(dir $(TEST_RECORD)) && rm -f $(TEST_RECORD)*
	DO_NOT_TRACK=1 OMP_NUM_THREADS=$(OMP_NUM_THREADS) AIPM_RECORD=$(TEST_RECORD) $(PY) -m pytest tests -n $(TEST_WORKERS) --dist loadfile -p no:cacheprovider --timeout=900 $(PYTEST_ARGS)
	DO_NOT_TRACK=1 OMP_NUM_THREADS=$(OMP_NUM_THREADS) AIPM_RECORD=$(TEST_RECORD) $(PY) -m pytest notebooks --nbval-lax -p no:cacheprovider --timeout=900 $(PYTEST_ARGS)

## make bench: the benchmarks, one JSON object per line, each case in a fresh interpreter
bench: install-test
	DO_NOT_TRACK=1 $(PY) -m benchmarks $(CASES)

## make bench-quick: the CI smoke run of the benchmarks (reduced sizes; checks that each case completes)
bench-quick: install-test
	DO_NOT_TRACK=1 $(PY) -m benchmarks --quick

clean-notebooks:
	$(PY) -m jupyter nbconvert --clear-output --inplace notebooks/*.ipynb
