# Two commands on a fresh machine: `make up` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: up test install ui web lint typecheck postgres chromium bench bench-tpch bench-jobs bench-ml bench-notebooks bench-api screenshots clean

up: install web ## create .venv, install, start the workspace with demo content
	$(BIN)/brickyard init --demo
	$(BIN)/brickyard up

# Most tests wait on servers and child processes: TEST_WORKERS pytest processes run them
# (a file's tests stay in one). Tests that hold a time budget then run alone.
TEST_WORKERS ?= 2

test: install web postgres chromium lint typecheck ## create/update .venv, install test needs, run every test
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile -m "not serial"
	$(BIN)/pytest -m serial

install: $(STAMP)

# Bytecode compiled at install: this environment may set PYTHONDONTWRITEBYTECODE, and without
# .pyc files every start recompiles the sources (seconds, not milliseconds).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip uv
	$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python -e '.[dev]'
	touch $(STAMP)

# The web UI (ui/, TypeScript + React + Vite) built into src/brickyard/web/dist: `make ui`
# always rebuilds; `web` (used by up and test) builds only when it is missing.
ui:
	./ui/build.sh

web:
	@[ -f src/brickyard/web/dist/index.html ] || ./ui/build.sh

lint: install
	$(BIN)/ruff check src tests benchmarks tools

typecheck: install
	$(BIN)/mypy

# Debian's PostgreSQL server for the metadata-store tests (installed when missing; root = CI).
postgres:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "installing PostgreSQL (Debian package postgresql)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else echo "PostgreSQL server not installed (sudo apt-get install postgresql); its tests will skip"; fi

# Debian's Chromium for the headless-browser test of MLflow's UI (installed when missing;
# root = CI). Playwright drives it; it never downloads a browser of its own.
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "installing Chromium (Debian package chromium)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "Chromium not installed (sudo apt-get install chromium); the UI browser test will skip"; fi

bench: install ## catalog benchmark (prints ratios against plain deltalake)
	$(BIN)/python benchmarks/catalog_bench.py

bench-tpch: install ## TPC-H SF1: Brickyard-DuckDB against raw DuckDB and the Spark engine
	$(BIN)/python benchmarks/tpch.py --sf 1 --json

bench-jobs: install ## jobs: brickyard up start, trigger-to-success (1 task, chain 20, fan-out 100), idle CPU
	$(BIN)/python benchmarks/orchestrator_bench.py

bench-ml: install ## MLflow tracking: brickyard up against `mlflow server` (default, --workers 1)
	$(BIN)/python benchmarks/tracking_bench.py

bench-notebooks: install ## Brickyard kernel start-up against IPython's plain kernel
	$(BIN)/python benchmarks/notebook_bench.py

bench-api: install web ## API under an open-loop 200 requests/s for 60 s, 10,000 runs in the DB
	$(BIN)/python benchmarks/api_load.py

screenshots: install web chromium ## a PNG of each UI page in docs/screenshots (demo home, headless chromium)
	$(BIN)/python tools/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache ui/node_modules src/brickyard/web/dist
