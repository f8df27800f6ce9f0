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

.PHONY: serve test lint typecheck pytest bench soak clean install vendor

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

pytest: $(STAMP) $(VENDOR_STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.gate

soak: $(STAMP)
	$(BIN)/python -m bench.soak

clean:
	rm -rf $(VENV) $(VENDOR) node_modules var .pytest_cache .mypy_cache .ruff_cache
