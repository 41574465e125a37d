# Two commands: `make run` and `make test`. Everything else is a step they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app esof
STAMP := $(VENV)/.installed

.PHONY: run test setup db translations demo-data bench clean

run: setup db
	@if $(BIN)/python -m esof.demo_status; then \
		echo "Empty database: loading demo data (a minute at most)..."; \
		$(FLASK) demo-data; \
	fi
	$(FLASK) run --host 127.0.0.1 --port 5000

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: $(STAMP) translations

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

translations: $(STAMP)
	$(BIN)/python -m esof.i18n_catalogues compile

db: setup
	$(FLASK) db upgrade heads

demo-data: db
	$(FLASK) demo-data

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance/esof.sqlite* instance/mail
