# Quick start: `make demo`, then `make test`. Both create .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint clean bench-accuracy

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/icpkit simulate --accounts 3000 --seed 7 --out icp-out/sample-crm
	$(BIN)/icpkit build --from icp-out/sample-crm --out icp-out
	$(BIN)/icpkit score --scorecard icp-out/scorecard.toml --input icp-out/sample-crm/accounts.csv --out icp-out/scored-accounts.csv
	@echo
	@echo "Everything is in icp-out/: icp.md, report.html, scorecard.toml, validation.json, segments.json, scored-accounts.csv"

test: install
	$(BIN)/ruff check src tests
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

clean:
	rm -rf $(VENV) icp-out .pytest_cache

bench-accuracy: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/accuracy.py
