# The two set-up commands of the README are `make run` and `make test`; everything else is for
# developers and operators. Each target creates the virtual environment when it is missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Offline artefact installation: a local mirror laid out like shared/artifacts, when one exists.
ARTIFACTS_MIRROR ?= $(or $(EINVOICE_ARTIFACTS_MIRROR),$(if $(wildcard ../shared/artifacts/MANIFEST.json),../shared/artifacts,))
ARTIFACTS_FROM := $(if $(ARTIFACTS_MIRROR),--from $(ARTIFACTS_MIRROR),)

.PHONY: run test test-fast lint install artifacts migrate openapi bench bench-validation bench-intake \
        bench-masterdata bench-matching matching-corpus bench-workspace bench-load bench-bulk-validate clean

$(BIN)/einvoice: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(BIN)/einvoice

artifacts: install
	$(BIN)/einvoice artifacts install $(ARTIFACTS_FROM)

migrate: install
	$(BIN)/einvoice migrate

## run: install, fetch and verify the validation artefacts, migrate, serve on http://127.0.0.1:8000
run: artifacts migrate
	$(BIN)/einvoice serve

# axe-core (accessibility checks in the browser tests) comes from the npm registry; never committed.
AXE_JS := build/axe/node_modules/axe-core/axe.min.js
$(AXE_JS):
	npm install --no-save --no-audit --no-fund --prefix build/axe axe-core@4.14.1

## test: the whole test suite (PostgreSQL too when TEST_DATABASE_URL is set)
test: install $(AXE_JS)
	$(BIN)/pytest

## lint: ruff (style and bug patterns), import-linter (layering contracts), mypy (strict for the
## pure cores); configuration in pyproject.toml. Every finding fails; .ci/run runs it before the tests.
lint: install
	$(BIN)/ruff check service tests scripts bench
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

## test-fast: the pure-core tests only (no database, browser, server or other process; see
## tests/lanes.py for how a test's lane is decided and kept honest)
test-fast: install
	$(BIN)/pytest --fast -q

openapi: install
	$(BIN)/python scripts/dump_openapi.py

bench: bench-validation bench-intake bench-masterdata bench-matching bench-workspace

bench-validation: install
	$(BIN)/python bench/bench_validation.py

# `einvoice validate` over 2,000 files as a user runs it: files/s with start-up, CPU per file
bench-bulk-validate: install artifacts
	$(BIN)/python bench/bench_bulk_validate.py $(ARGS)

bench-intake: install
	$(BIN)/python bench/bench_intake.py

bench-masterdata: install
	$(BIN)/python bench/bench_masterdata.py

bench-matching: install
	$(BIN)/python bench/bench_matching.py

# the labelled matching corpus as files: make matching-corpus DIR=/tmp/corpus [DOCUMENTS=2000]
matching-corpus: install
	$(BIN)/python -m bench.matching_corpus $(or $(DIR),corpus) --documents $(or $(DOCUMENTS),2000)

bench-workspace: install
	$(BIN)/python bench/bench_workspace.py

# end to end over HTTP: `einvoice serve` on PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL, a
# fresh database) or SQLite; options after ARGS=, e.g. ARGS="--database sqlite" or ARGS="--stored 100000"
bench-load: install artifacts
	$(BIN)/python bench/bench_load.py $(ARGS)

clean:
	rm -rf $(VENV) data test-output build *.egg-info
