# Two entry points, each creating its own virtual environment in .venv:
#   make demo   install everything, then run the main job on the built-in demo data
#   make test   install everything plus the test tools, then run the whole test suite
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DIR ?= skmmlc-demo

.PHONY: demo test install install-tests bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install -e .

install-tests: $(BIN)/python
	$(BIN)/python -m pip install -e ".[tests]"

demo: install
	$(BIN)/skmmlc demo --output $(DEMO_DIR)

test: install-tests
	$(BIN)/python -m pytest -n 2 --durations=15

bench: install-tests
	$(BIN)/python benchmarks/mulan.py
	$(BIN)/python benchmarks/extract.py
	$(BIN)/python benchmarks/pipeline.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache
