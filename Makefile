# Set-up is part of every target: a fresh machine needs only Python 3 and pip.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint typecheck unit bench docs clean

demo: $(VENV)/.base  ## Train Masha's network on the built-in data
	$(BIN)/matbackprop demo

test: $(VENV)/.test lint typecheck unit  ## Lint, type-check and run the whole suite

lint: $(VENV)/.test
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

typecheck: $(VENV)/.test
	$(BIN)/mypy

unit: $(VENV)/.test
	$(BIN)/pytest -n 2 -q

bench: $(VENV)/.bench  ## Time A-D against PyTorch, JAX, scikit-learn and plain NumPy
	$(BIN)/python benchmarks/run.py

$(VENV)/.bench: $(VENV)/.base
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.base: $(VENV)/.created pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test: $(VENV)/.base
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

docs: $(VENV)/.docs  ## HTML docs in docs/_build/html; a warning fails the build
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

$(VENV)/.docs: $(VENV)/.base
	$(BIN)/python -m pip install --quiet -e '.[docs,sklearn]'
	touch $@

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
