# `make demo` and `make test` do all the set-up on a fresh machine: they create .venv and install.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# torch is pinned so that the CPU wheel on disk (or the one PyPI serves) is used, never a newer one.
TORCH := torch==2.13.0

.PHONY: demo test test-all lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.demo-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[demo]"
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q $(TORCH)
	$(BIN)/python -m pip install -q -e ".[dev,all]"
	touch $@ $(VENV)/.demo-installed

demo: $(VENV)/.demo-installed
	$(BIN)/rewardsmith score examples/math_reward.yaml examples/data/math_problems.jsonl -o out/demo_scores.jsonl
	$(BIN)/python examples/audit_demo.py --out out/audit

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests $(wildcard benchmarks examples)
	$(BIN)/mypy

# Two pytest workers (the project's machines have 2 cores; `make test TEST_WORKERS=4` for more). A
# test file stays on one worker, so its module fixtures (servers, models) start once.
TEST_WORKERS ?= 2
PYTEST = $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

test: lint
	$(PYTEST) -m "not slow"

test-all: lint
	$(PYTEST)

clean:
	rm -rf $(VENV) out report artifacts
