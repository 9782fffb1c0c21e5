# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install pdf-libs lock browsers run test lint format migrate demo demo-reset serve bench bench-scale clean

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]" -c requirements.lock
	touch $@

install: pdf-libs $(VENV)/.installed

## Pango, HarfBuzz and a font for WeasyPrint (invoice PDFs): installed with apt-get when missing and root.
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core
pdf-libs:
	@missing=$$(for pkg in $(PDF_LIBS); do dpkg -s $$pkg >/dev/null 2>&1 || echo $$pkg; done); \
	if [ -n "$$missing" ] && command -v dpkg >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		else echo "pdf-libs: missing $$missing (WeasyPrint needs them for invoice PDFs):" \
			"run 'sudo apt-get install -y $$missing'" >&2; fi; fi

## Re-resolve the dependencies from pyproject.toml (newest allowed versions) and pin them in requirements.lock.
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet --upgrade pip
	.venv-lock/bin/pip install --quiet -e ".[dev]"
	{ echo "# Pinned versions the test suite passed with; 'make install' uses them as constraints."; \
	  echo "# Refresh with 'make lock' after changing pyproject.toml dependencies."; \
	  .venv-lock/bin/pip freeze --exclude-editable | grep -v "^orthotics-shop" | sort -f; } > requirements.lock
	rm -rf .venv-lock

migrate: install
	$(PY) manage.py migrate --noinput

## The demo catalogue goes only into an empty catalogue (staff's price and stock edits are kept), with
## one staff login per role; `make demo-reset` loads the demo catalogue again over the edits.
demo: migrate
	$(PY) manage.py load_demo

demo-reset: migrate
	$(PY) manage.py load_demo --reset

## Set everything up and run the shop on SQLite with the demo catalogue and one staff login per role.
run: demo
	$(PY) manage.py runserver $(HOST):$(PORT)

## Serve as in production: gunicorn (WEB_CONCURRENCY workers, default 2 x cores + 1) with whitenoise.
## shop.settings_production when SECRET_KEY is set (it also needs ALLOWED_HOSTS and the Stripe keys), else shop.settings with
## DEBUG off. The catalogue cache needs REDIS_URL to be shared by the workers; without it, it is off.
SERVE_SETTINGS := $(if $(SECRET_KEY),shop.settings_production,shop.settings)
serve: migrate
	DJANGO_SETTINGS_MODULE=$(SERVE_SETTINGS) DEBUG=false $(PY) manage.py collectstatic --noinput -v0
	@echo "serve: $(SERVE_SETTINGS) on http://$(HOST):$(PORT)/, database $${DATABASE_URL:-sqlite (db.sqlite3)}," \
		"catalogue cache $(if $(REDIS_URL),on (Redis),off: set REDIS_URL to share it between workers)"
	DJANGO_SETTINGS_MODULE=$(SERVE_SETTINGS) DEBUG=false HOST=$(HOST) PORT=$(PORT) \
		$(if $(REDIS_URL),,CATALOGUE_CACHE_TIMEOUT=0) $(VENV)/bin/gunicorn -c gunicorn.conf.py shop.wsgi

## Benchmark the shop against a bare Django + DRF ceiling (PostgreSQL and Redis on 127.0.0.1, wrk; a few minutes).
bench: install
	@command -v wrk >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && apt-get install -y -qq wrk; \
		else echo "bench: wrk is missing; install it with: sudo apt-get install -y wrk" >&2; exit 1; fi; }
	@command -v wrk >/dev/null || { echo "bench: wrk is still missing" >&2; exit 1; }
	$(PY) -m bench.run $(BENCH_ARGS)

## Time the catalogue's reads in process at 1,000, 10,000 and 100,000 products and print how each grows
## (PostgreSQL on 127.0.0.1; the 100,000-product catalogue takes a while to generate). BENCH_SIZES=1000,10000 for less.
BENCH_SIZES ?= 1000,10000,100000
bench-scale: install
	$(PY) -m bench.scale --sizes $(BENCH_SIZES) $(BENCH_SCALE_ARGS)

## Debian's Chromium for the browser tests (tests/e2e): installed with apt-get when missing and root.
## Playwright drives it through executable_path; Playwright's own browser download does not work here.
CHROMIUM ?= /usr/bin/chromium
browsers:
	@[ -x "$(CHROMIUM)" ] || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else echo "browsers: $(CHROMIUM) is missing and this is not root: run 'sudo apt-get install -y chromium'" \
			"(the browser tests in tests/e2e need it)" >&2; exit 1; fi; }
	@[ -x "$(CHROMIUM)" ] || { echo "browsers: $(CHROMIUM) is still missing after apt-get install chromium" >&2; exit 1; }

## Set everything up and run the whole test suite (PostgreSQL too when DATABASE_URL points at it).
test: install browsers
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) scripts/check_layers.py

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 var .pytest_cache .ruff_cache
