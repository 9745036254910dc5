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
	@# Background work next to the server, stopped with it: the task worker
	@# (imports, big exports; django-tasks database backend) and the hourly
	@# `bianzhi daily` loop (scheduled movements, expiries, abandoned imports).
	@$(BIN)/bianzhi db_worker --no-reload >> var/worker.log 2>&1 & worker=$$!; \
	(while true; do $(BIN)/bianzhi daily >> var/daily.log 2>&1; sleep 3600; done) & daily=$$!; \
	trap 'kill $$worker $$daily 2>/dev/null' EXIT INT TERM; \
	$(BIN)/bianzhi runserver $(HOST):$(PORT)

# Every step runs even when an earlier one fails (one run shows all problems);
# the target fails if any did. pytest exits 5 when it collects nothing, which
# is not a failure. PYTEST_ARGS narrows the run: make test PYTEST_ARGS="tests/core -x".
# Two xdist workers (one SQLite file each): ~20% faster on the 2-core machines;
# PYTEST_WORKERS=0 runs in one process.
PYTEST_ARGS ?=
PYTEST_WORKERS ?= 2
test: install
	@status=0; \
	echo "--- ruff check"; $(BIN)/ruff check . || status=1; \
	echo "--- lint-imports"; $(BIN)/lint-imports --no-logo --no-cache || status=1; \
	mkdir -p var; echo "--- makemigrations --check"; \
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/bianzhi makemigrations --check --dry-run -v0 \
		|| { echo "missing or inconsistent migrations"; status=1; }; \
	echo "--- pytest"; $(BIN)/pytest -q -n $(PYTEST_WORKERS) $(PYTEST_ARGS); rc=$$?; \
	[ $$rc -eq 0 ] || [ $$rc -eq 5 ] || status=1; \
	exit $$status

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: install
	$(BIN)/python bench/ledger.py
	$(BIN)/python bench/enroll.py
	$(BIN)/python bench/check.py

clean:
	rm -rf $(VENV) var/bianzhi.sqlite3*
