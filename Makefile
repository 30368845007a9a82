# Two commands for a new user: `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.10
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MODEL := models/assistant.tar.gz
PROFILE ?= $(or $(ASSISTANT_PROFILE),embedded)
TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null)

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PIP_DISABLE_PIP_VERSION_CHECK := 1


.PHONY: help run test test-postgres setup system install db nlp train validate test-stories shell bench bench-load lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

run: setup $(MODEL) ## set up, train if needed, start every service and print the URLs (PROFILE=production: PostgreSQL, Redis, nginx, 2+2 servers)
	ASSISTANT_PROFILE=$(PROFILE) $(BIN)/assistant serve

test: setup $(MODEL) ## set up, then run the whole test suite (SQLite), then the database tests on PostgreSQL
	$(BIN)/python -m pytest
	$(MAKE) --no-print-directory test-postgres

test-postgres: system install ## the database-facing tests (marker db) again, on the project's own PostgreSQL
	scripts/postgres start
	TEST_POSTGRES_URL="$$(scripts/postgres url postgres)" $(BIN)/python -m pytest -m db

setup: system install db nlp ## system packages, venv + dependencies, database schema and seed content, spaCy pipeline

system: ## Debian packages the project needs (Chromium, PostgreSQL, Redis), installed with apt-get when missing
	scripts/system-packages

install: $(STAMP) ## create .venv with Python 3.10 and install the pinned dependencies

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: Rasa 3.6 needs Python 3.10 (see README)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==24.0"
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

db: install ## migrate the database and load the seed content (both idempotent)
	$(BIN)/assistant db upgrade
	$(BIN)/assistant content seed

nlp: db ## build and install the spaCy pipeline from the knowledge store (skipped when current)
	$(BIN)/assistant nlp build

train: $(MODEL) ## train the Rasa model when data or config changed

$(MODEL): $(STAMP) $(TRAINING_INPUTS)
	$(BIN)/rasa train --fixed-model-name assistant --out models
	@touch $(MODEL)

validate: setup ## rasa data validate (the test suite checks that every warning is justified)
	$(BIN)/rasa data validate

test-stories: setup $(MODEL) ## the Rasa-level tests only (validation, stories, trained NLU)
	$(BIN)/python -m pytest tests/test_conversations.py

shell: setup $(MODEL) ## chat in the terminal (starts the action server too)
	$(BIN)/python -m assistant.shell

bench: setup $(MODEL) ## run the benchmarks and write docs/benchmarks.md
	$(BIN)/python bench/nlu_accuracy.py
	$(BIN)/python bench/safety.py
	$(BIN)/python bench/portal.py

bench-load: setup $(MODEL) ## load benchmark (~55 min): simulated patients on both profiles and Rasa's starter bot, with a profile; then one patient alone
	$(BIN)/python bench/load.py --profile
	$(BIN)/python bench/floor.py

lock: ## re-resolve requirements.txt into constraints.txt in a scratch venv
	rm -rf /tmp/lock-venv && $(PYTHON) -m venv /tmp/lock-venv
	/tmp/lock-venv/bin/pip install --quiet -r requirements.txt
	{ echo "# Every transitive dependency, frozen from a clean resolve of requirements.txt on Python 3.10."; \
	  echo "# Regenerate with: make lock"; /tmp/lock-venv/bin/pip freeze; } > constraints.txt

clean: ## remove the venv, models, databases and build output
	rm -rf $(VENV) models build var .rasa .pytest_cache
