# Two commands: `make run` and `make test`. Everything else is a step they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app esof
APP_STAMP := $(VENV)/.installed-app
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test setup test-setup db translations demo-data bench clean

run: setup db
	@if $(BIN)/python -m esof.demo_status; then \
		echo "Empty database: loading demo data (under a minute)..."; \
		$(FLASK) demo-data; \
	fi
	$(FLASK) run --host 127.0.0.1 --port 5000

test: test-setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: $(APP_STAMP) translations

test-setup: $(TEST_STAMP) translations node_modules/.installed

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(APP_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(APP_STAMP)
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

# Test tools from npm: an independent iCalendar parser and axe-core for accessibility checks.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

translations: $(APP_STAMP)
	$(BIN)/python -m esof.i18n_catalogues compile

db: setup
	$(FLASK) db upgrade heads

demo-data: db
	$(FLASK) demo-data

# Mixed Locust load against gunicorn on a fresh PostgreSQL database (docs/PERFORMANCE.md).
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): pyproject.toml $(TEST_STAMP)
	$(BIN)/pip install --quiet -e ".[test,bench]"
	touch $@

bench: test-setup $(BENCH_STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance/esof.sqlite* instance/mail
