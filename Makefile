# The two commands: `make run` (set up everything, start the bot) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
KAARIGAR := $(VENV)/bin/kaarigar

.PHONY: setup run test bench lint check

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

setup: $(VENV)/.installed
	$(KAARIGAR) rasa-env
	$(KAARIGAR) db upgrade
	$(KAARIGAR) seed
	$(KAARIGAR) train

run: setup
	$(KAARIGAR) run

test: $(VENV)/.installed
	$(KAARIGAR) rasa-env
	$(VENV)/bin/pytest -q

bench: $(VENV)/.installed
	$(KAARIGAR) rasa-env
	$(KAARIGAR) bench --retrain

# Types on the product code; tests/ and bench/ are not typed yet (mypy finds ~80 errors there).
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy bot catalog actions

# The everyday loop (under 3 minutes on two cores): lint, types, and the tests that need neither
# Rasa nor PostgreSQL, on SQLite, spread over the cores. `make test` is the whole suite.
check: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy bot catalog actions
	$(VENV)/bin/pytest -q -n auto -m "not rasa and not postgres" -p no:cacheprovider
