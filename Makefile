# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
VENV       ?= .venv
PY         := $(VENV)/bin/python
PYBABEL    := $(VENV)/bin/pybabel
export FLASK_APP := run.py
# The PostgreSQL the suite runs against a second time (CI always has one here).
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# One pytest worker per core (pytest-xdist); each worker has its own database and PostgreSQL schema.
WORKERS    ?= -n auto
# Tests of pure code, of the served app (gunicorn on PostgreSQL and Redis, tests/served) and of the RQ workers
# (always on PostgreSQL and Redis, test_jobs_worker.py) run once;
# the rest run on SQLite and again on PostgreSQL.
DB_ONLY    := --ignore=tests/engines --ignore=tests/excel --ignore=tests/files --ignore=tests/e2e --ignore=tests/served \
             --ignore=tests/test_jobs_worker.py

.PHONY: run serve worker test test-sqlite test-postgres install install-dev system-deps static-deps translations messages bench lint clean

# `make run` is development: the public development SECRET_KEY and plain-HTTP cookies are allowed there.
run: export CONTEST_ENV ?= development
run: install static-deps translations
	$(VENV)/bin/flask db upgrade
	$(VENV)/bin/flask seed-demo --if-empty
	$(PY) run.py

# A background-job worker (RQ) against DATABASE_URL and REDIS_URL; run as many as the work needs.
worker: install
	$(VENV)/bin/flask worker

# `make serve` is production: the migrations, then gunicorn (gunicorn.conf.py: workers from the CPU count, JSON
# log lines) on DATABASE_URL, and the RQ worker beside it when REDIS_URL is set. It needs a real SECRET_KEY:
# without one the app refuses to start and says why. BIND (127.0.0.1:8000) and WEB_CONCURRENCY override.
serve: install static-deps translations
	$(VENV)/bin/flask db upgrade
	@if [ -n "$$REDIS_URL" ]; then \
		$(VENV)/bin/flask worker & worker=$$!; \
		trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; trap 'exit 143' INT TERM; \
		$(VENV)/bin/gunicorn -c gunicorn.conf.py; \
	else \
		exec $(VENV)/bin/gunicorn -c gunicorn.conf.py; \
	fi

test: install-dev system-deps static-deps translations lint test-sqlite test-postgres

test-sqlite:
	$(PY) -m pytest -q $(WORKERS)

test-postgres:
	@if $(PY) -c "import psycopg,sys; psycopg.connect('$(subst +psycopg,,$(PG_TEST_URL))', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== the suite again, on PostgreSQL =="; \
		TEST_DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest -q $(WORKERS) $(DB_ONLY); \
	elif [ -n "$$CI" ]; then \
		echo "PostgreSQL is not reachable at $(PG_TEST_URL), and CI requires it" >&2; exit 1; \
	else \
		echo "PostgreSQL not reachable: PostgreSQL pass skipped (it is required under CI)"; \
	fi

install: $(VENV)/.run-installed
install-dev: $(VENV)/.dev-installed

$(VENV)/.run-installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.run-installed requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# Debian packages the end-to-end and spreadsheet tests need: a real browser, LibreOffice, and npm
# for the browser libraries; and the DejaVu fonts certificates embed (CERTIFICATE_FONT overrides them).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	command -v soffice >/dev/null || missing="$$missing libreoffice-calc-nogui"; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# Browser libraries from npm (package-lock.json pins them): the built files the pages load are
# copied into static/vendor/ (git-ignored); axe-core stays in node_modules for the browser tests.
CHART_JS := static/vendor/chart.umd.min.js

static-deps: $(CHART_JS)

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the browser libraries (Debian: apt-get install npm)" >&2; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

$(CHART_JS): node_modules/.package-lock.json
	mkdir -p $(dir $@)
	cp node_modules/chart.js/dist/chart.umd.min.js $@

translations: install
	$(PYBABEL) compile -d contest/translations

# Refresh the catalogs after changing user-facing strings.
messages: install
	$(PYBABEL) extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -k NP_:1,2 -o contest/translations/messages.pot .
	$(PYBABEL) update -i contest/translations/messages.pot -d contest/translations --no-fuzzy-matching --ignore-obsolete

bench: install-dev
	$(PY) bench/assign.py
	$(PY) bench/simulate.py
	$(PY) bench/rank.py
	$(PY) bench/allocate.py
	$(PY) bench/export.py
	$(PY) bench/certificates.py
	$(PY) bench/load.py

lint: install-dev  ## pyflakes and pycodestyle rules, 120 columns (ruff.toml)
	$(VENV)/bin/ruff check contest tests bench

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
