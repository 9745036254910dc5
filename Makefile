# Two commands: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_PERSONS ?= 20000

.PHONY: run test install lint bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/bianzhi setup
	$(BIN)/bianzhi demo --if-empty --persons $(DEMO_PERSONS)
	@$(BIN)/bianzhi demo --logins
	@# The worker loop: scheduled movements and expiries (`bianzhi daily`) every hour.
	@(while true; do $(BIN)/bianzhi daily >> var/daily.log 2>&1; sleep 3600; done) & \
	trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	$(BIN)/bianzhi runserver $(HOST):$(PORT)

test: install
	$(BIN)/ruff check .
	$(BIN)/bianzhi makemigrations --check --dry-run -v0
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: install
	$(BIN)/python bench/ledger.py

clean:
	rm -rf $(VENV) var/bianzhi.sqlite3*
