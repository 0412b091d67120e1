# Quick start: `make demo`, then `make test`. Both create .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install chromium demo test test-fast wheel-check lint clean bench-deps bench-accuracy

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) chromium

# Browser tests (the ICP document, the web app) drive Debian's Chromium through Playwright with
# executable_path=/usr/bin/chromium: Playwright's own browser download is not available, so the
# system package is installed here, once, and only when missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "chromium is missing and cannot be installed here: browser tests will be skipped"; \
	  fi; }

# The demo needs no browser and no network beyond the package install.
demo: $(STAMP)
	$(BIN)/icpkit simulate --accounts 3000 --seed 7 --out icp-out/sample-crm
	$(BIN)/icpkit build --from icp-out/sample-crm --notes icp-out/sample-crm/notes.csv --out icp-out
	$(BIN)/icpkit score --scorecard icp-out/scorecard.toml --input icp-out/sample-crm/accounts.csv --out icp-out/scored-accounts.csv
	@echo
	@echo "Everything is in icp-out/: icp.md, report.html, scorecard.toml, validation.json, segments.json, scored-accounts.csv"

# Everything, browser and Spark tests included; the slowest tests are listed at the end.
test: install typecheck wheel-check
	$(BIN)/ruff check src tests
	$(BIN)/python -m pytest -q --durations=15

# The wheel stands on its own: built in isolation (build/ emptied first, so no file of an older
# build slips in), installed alone into a fresh venv in a temporary folder (its declared
# dependencies from the package index, so a missing one fails here), and the quick start run
# from there in isolated mode, so neither the source tree nor .venv can stand in for it.
# --no-compile: byte-compiling the ~1 GB of dependencies took 65 of the install's 110 s.
wheel-check: $(STAMP)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	rm -rf build; \
	$(BIN)/python -m pip wheel . --no-deps --quiet -w "$$tmp/dist"; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install --quiet --no-compile "$$tmp"/dist/icpkit-*.whl; \
	cd "$$tmp" && "$$tmp/venv/bin/python" -I "$(CURDIR)/tests/wheel_quickstart.py" "$(CURDIR)"

# The quick loop while working (under 3 minutes on 2 cores): without the tests marked slow
# (full builds, cross-validations), browser (Chromium) or spark (a JVM). `make test` runs them.
test-fast: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/python -m pytest -q -m "not slow and not browser and not spark" --durations=10

lint: install typecheck
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

# mypy over src/icpkit: strict for the scorecard, the condition matcher and the SQL compiler
# (settings under [tool.mypy] in pyproject.toml). Warm, it takes seconds: .mypy_cache keeps
# what did not change.
.PHONY: typecheck
typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) icp-out .pytest_cache

# Peers the benchmarks measure against. pysubgroup pins numpy<2 (which would break pyarrow)
# but runs on numpy 2, so it is installed without its pins.
bench-deps: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m pip install --quiet --no-deps 'pysubgroup>=0.9'

bench-accuracy: bench-deps
	$(BIN)/python benchmarks/accuracy.py
