# Two entry points a person needs: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Browser libraries of the web interface (package.json, package-lock.json), copied where the
# server serves them (/assets/vendor/); built only when npm is present.
VENDOR := healthkg/http/static/vendor
VENDOR_STAMP := $(VENDOR)/.installed
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: serve test lint typecheck pytest bench bench-1m soak clean install vendor

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Without npm the query editor is a plain form and the network picture a list: nothing fails.
$(VENDOR_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error && \
	  mkdir -p $(VENDOR) && \
	  cp node_modules/@zazuko/yasgui/build/yasgui.min.js node_modules/@zazuko/yasgui/build/yasgui.min.css \
	     node_modules/cytoscape/dist/cytoscape.min.js $(VENDOR)/ && \
	  touch $(VENDOR_STAMP) || echo "npm ci failed: the web pages fall back to plain HTML"; \
	else echo "npm not found: the web pages fall back to plain HTML (install Node.js for YASGUI)"; fi

vendor: $(VENDOR_STAMP)

install: $(STAMP) $(VENDOR_STAMP)

serve: $(STAMP) $(VENDOR_STAMP)
	$(BIN)/healthkg serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

# HTTP tests that do not depend on the backend, run again over a remote Oxigraph server.
REMOTE_TESTS := tests/test_http_sparql.py tests/test_http_named_queries.py \
	tests/test_http_sparqlwrapper.py tests/test_http_ssrf.py tests/test_http_limits.py \
	tests/test_w3c_protocol.py tests/test_linked_data.py tests/test_linked_data_dataset.py \
	tests/test_linked_data_crawl.py

pytest: $(STAMP) $(VENDOR_STAMP)
	$(BIN)/pytest
	HEALTHKG_TEST_BACKEND=oxigraph $(BIN)/pytest -q $(REMOTE_TESTS)

test: lint typecheck pytest

BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(STAMP) $(BENCH_STAMP)
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.gate
	$(BIN)/python -m bench.peers --sizes 10k,100k

# The 1M-triple figures (load time, memory, latencies, commits) beside both peers.
bench-1m: $(STAMP) $(BENCH_STAMP)
	$(BIN)/python -m bench.peers --sizes 1m --output peers-1m

# Load (64 clients, 10 min) then soak (30 min); durations: HEALTHKG_SOAK_* (bench/soak.py).
# The figures go to tests/artifacts/reliability.json and RELIABILITY.md.
soak: $(STAMP)
	$(BIN)/python -m bench.soak
	$(BIN)/python -m tests.reliability_report

clean:
	rm -rf $(VENV) $(VENDOR) node_modules var .pytest_cache .mypy_cache .ruff_cache
