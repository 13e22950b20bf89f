# Two commands for a new user: `make run` and `make test`. `make help` lists the rest.
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: help setup setup-test run test test-fast lint bench samples templates golden clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

setup:  ## install runtime dependencies (Debian libraries, Python packages in .venv)
	@scripts/setup.sh

setup-test:  ## install runtime and test dependencies
	@scripts/setup.sh --test

run: setup  ## start the service on its embedded defaults at http://127.0.0.1:8000
	$(PY) -m service serve

test: setup-test  ## run the whole test suite
	$(PY) -m pytest

test-fast: setup-test  ## the suite without the slow tests
	$(PY) -m pytest -m "not slow"

lint: setup-test  ## ruff
	$(PY) -m ruff check

bench: setup-test  ## print render-time and throughput figures
	$(PY) -m bench

samples: setup  ## render every sample to build/samples (DOCX, PDF and PNG pages)
	$(PY) -m bench.samples build/samples

templates: setup  ## regenerate doc_templates/docx from the python-docx builders
	$(PY) -m service build-templates

golden: setup-test  ## rewrite tests/golden after a deliberate visible change (review git diff)
	$(PY) -m tests.golden.update

clean:  ## remove build output and caches (keeps .venv and var/)
	rm -rf build .pytest_cache .hypothesis .ruff_cache
