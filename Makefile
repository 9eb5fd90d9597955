# The Lüliang technology market: build, run and test.
#   make run    venv, install, compile translations, migrate, demo data once, serve on :5000
#   make test   dev venv, the suite on SQLite (and PostgreSQL when TEST_DATABASE_URL is
#               set), then the browser tests
#   make lint   ruff
# Everything runs inside $(VENV); override it with `make test VENV=/tmp/other-venv`.

VENV ?= .venv
PY = $(VENV)/bin/python
FLASK = $(VENV)/bin/flask
PYBABEL = $(VENV)/bin/pybabel
PYTEST = $(PY) -m pytest -q
# The suites run in TEST_WORKERS pytest-xdist processes (2: CI's machine has 2 cores). Each
# worker has its own SQLite files and search index, and on PostgreSQL its own database,
# <TEST_DATABASE_URL's database>_gw0, _gw1… (tests/conftest.py). worksteal: a worker that runs
# out takes tests from the other, so a slow test at the end does not leave a core idle.
# `make test TEST_WORKERS=0` runs each suite in one process, as before.
TEST_WORKERS ?= 2
XDIST = $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist worksteal)

export FLASK_APP = marketplace:create_app

RUNTIME_STAMP = $(VENV)/.installed-runtime
DEV_STAMP = $(VENV)/.installed-dev

LOCALES = zh en
PO_FILES = $(wildcard translations/*/LC_MESSAGES/messages.po)
MO_FILES = $(PO_FILES:.po=.mo)

# Passwords in a database URL are not printed.
mask_url = sed -e 's|://[^@/]*@|://***@|'

.NOTPARALLEL:
.PHONY: bench bench-data bench-http help venv dev-venv run test test-sqlite test-postgres test-system test-e2e lint translations \
        compile-translations clean distclean

help:
	@echo "make run                   serve the app on http://127.0.0.1:5000 (with demo data)"
	@echo "make test                  the test suite (SQLite, PostgreSQL if TEST_DATABASE_URL"
	@echo "                           is set, then the browser tests)"
	@echo "make lint                  ruff"
	@echo "make translations          extract messages and update the zh and en catalogues"
	@echo "make compile-translations  compile the catalogues"
	@echo "make clean                 remove compiled catalogues, caches and test artifacts"
	@echo "make distclean             make clean, and remove the venv"

# --- the virtual environment ------------------------------------------------------------

$(PY):
	python3 -m venv $(VENV)

$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install -r requirements.txt
	touch $@

# requirements-dev.txt includes requirements.txt, so this also brings the runtime up to date.
$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install -r requirements-dev.txt
	touch $@ $(RUNTIME_STAMP)

venv: $(RUNTIME_STAMP)
dev-venv: $(DEV_STAMP)

# --- translations -----------------------------------------------------------------------

# Compiles each catalogue whose .po is newer than its .mo; with no catalogue yet, nothing.
compile-translations: $(MO_FILES)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po | $(RUNTIME_STAMP)
	$(PYBABEL) compile --statistics -l $* -i $< -o $@

translations: | $(RUNTIME_STAMP)
	$(PYBABEL) extract -F babel.cfg -k _l -k N_ --ignore-dirs=".*" -o translations/messages.pot .
	@for locale in $(LOCALES); do \
	  if [ -f translations/$$locale/LC_MESSAGES/messages.po ]; then \
	    echo "$(PYBABEL) update -l $$locale"; \
	    $(PYBABEL) update -i translations/messages.pot -d translations -l $$locale || exit 1; \
	  else \
	    echo "$(PYBABEL) init -l $$locale"; \
	    $(PYBABEL) init -i translations/messages.pot -d translations -l $$locale || exit 1; \
	  fi; \
	done
	$(MAKE) compile-translations

# --- running ----------------------------------------------------------------------------

run: $(RUNTIME_STAMP) compile-translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) search rebuild
	$(FLASK) run --host 127.0.0.1 --port 5000

# --- tests ------------------------------------------------------------------------------
# pytest's exit code 5 (no test collected) fails the target like any other failure.

test: test-sqlite test-postgres test-system test-e2e

test-sqlite: $(DEV_STAMP) compile-translations
	@echo "==> Test suite on SQLite (TEST_DATABASE_URL unset for this run)"
	env -u TEST_DATABASE_URL $(PYTEST) $(XDIST) tests --ignore=tests/e2e --ignore=tests/system
	@echo "==> Test suite on SQLite: passed"

test-postgres: $(DEV_STAMP) compile-translations
	@if [ -z "$$TEST_DATABASE_URL" ]; then \
	  echo "==> TEST_DATABASE_URL is not set: no PostgreSQL run (see README)"; \
	else \
	  echo "==> Test suite on PostgreSQL: $$(echo "$$TEST_DATABASE_URL" | $(mask_url))"; \
	  $(PYTEST) $(XDIST) tests --ignore=tests/e2e --ignore=tests/system || exit $$?; \
	  echo "==> Test suite on PostgreSQL: passed"; \
	fi

# Real servers in subprocesses (gunicorn, two app instances, killed workers), API fuzzing and
# backups: once, on PostgreSQL when TEST_DATABASE_URL is set (tests that need it skip without).
test-system: $(DEV_STAMP) compile-translations
	@echo "==> System tests (servers, faults, fuzzing, backups)"
	$(PYTEST) tests/system
	@echo "==> System tests: passed"

test-e2e: $(DEV_STAMP) compile-translations
	@echo "==> Browser tests (live server on a temporary SQLite database, Debian's chromium)"
	$(PYTEST) tests/e2e
	@echo "==> Browser tests: passed"

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf .pytest_cache .ruff_cache test-artifacts
	find translations -name '*.mo' -delete

distclean: clean
	rm -rf $(VENV)

# --- benchmarks (print numbers, assert nothing) ---------------------------------------------

bench: $(DEV_STAMP) compile-translations
	$(PY) -m bench.search_bench
	$(PY) -m bench.bench_bidding
	$(PY) -m bench.bench_matching
	$(PY) -m bench.bench_stats

# The HTTP benchmark of issue 12: the market at 100k listings and contracts and 10k users under
# gunicorn (2 and 4 workers) against a bare Flask hello and a naive Whoosh page, with wrk.
# The data set is built once into $(BENCH_DATA) (SQLite; BENCH_DATABASE_URL for PostgreSQL).
BENCH_DATA ?= /tmp/market-scaled

bench-data: $(DEV_STAMP) compile-translations
	$(PY) -m bench.scale $(BENCH_DATA)

bench-http: $(DEV_STAMP) compile-translations
	@command -v wrk >/dev/null || { echo "bench-http needs wrk: apt-get install -y wrk"; exit 1; }
	test -f $(BENCH_DATA)/env.sh || $(PY) -m bench.scale $(BENCH_DATA)
	$(PY) -m bench.http $(BENCH_DATA)
