# Set-up and the main jobs. `make demo` and `make test` work on a fresh Debian machine with Python 3.11.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test lint bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# The YASGUI query editor, served at /static/yasgui/ (versions pinned in site/vendor/package-lock.json).
YASGUI := site/vendor/node_modules/.installed
$(YASGUI): site/vendor/package.json site/vendor/package-lock.json
	npm ci --prefix site/vendor --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

demo: $(VENV)/.installed $(YASGUI)
	$(VENV)/bin/lod demo

# The end-to-end tests run twice: over the embedded store, and over `oxigraph serve` as a remote store.
E2E := tests/test_web.py tests/test_publish_resources.py tests/test_crawl.py tests/test_sparql_protocol.py \
	tests/test_write_access.py tests/test_remote_store.py

test: $(VENV)/.installed $(YASGUI)
	$(PY) -m ruff check .
	$(PY) -m pytest
	LOD_TEST_STORE=remote $(PY) -m pytest $(E2E)

lint: $(VENV)/.installed
	$(PY) -m ruff check .

# Benchmarks print figures (they need `wrk`: apt-get install wrk); they are not tests.
bench: $(VENV)/.installed
	$(PY) benchmarks/ingest.py
	$(PY) benchmarks/sparql_bench.py
	$(PY) benchmarks/pages.py

clean:
	rm -rf $(VENV) lod-store lod-demo-store .pytest_cache site/vendor/node_modules
