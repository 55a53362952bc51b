# The README's commands call these targets. Each installs what it needs first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell tools/find-python)
VENV := .venv
BIN := $(VENV)/bin
SAM_ENV := .tools/sam
SAM := $(SAM_ENV)/bin/sam
SAM_CLI_VERSION := 1.170.0
ARGS ?=
# sam build runs pip for the Lambda runtime (python3.13): the interpreter must be on PATH.
SAM_RUN := PATH="$(dir $(PYTHON)):$$PATH" SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 $(SAM)

.PHONY: help run test unit integration e2e lint format validate checkov build bench browser clean hostile

help:
	@echo "make run    start the whole system locally (embedded AWS emulator) — ARGS=--reset starts empty"
	@echo "make test   lint, template checks, sam build and the whole test suite"
	@echo "make bench  print the benchmark figures"
	@echo "make load   a bounded load run on the devserver, both topologies (a few minutes)"
	@echo "make redrive [ARGS=CONSUMER...]    deliver the dead letters again (after a fix)"
	@echo "make rebuild VIEW=home-page        drop a view and rebuild it from the store"
	@echo "make deploy SITE_URL=https://… EMAIL_SENDER=no-reply@…   deploy to AWS"
	@echo "make deploy-localstack             deploy to LocalStack (AWS_ENDPOINT_URL) and smoke-test it"
	@echo "make smoke [URL=…]                 the smoke journey against a running site"

$(BIN)/.installed: pyproject.toml $(wildcard layers/*/requirements.txt)
	@test -n "$(PYTHON)" || { echo "Python 3.11+ is needed (3.13 for sam build)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet --group dev
	touch $@

$(SAM_ENV)/.installed:
	@test -n "$(PYTHON)" || { echo "Python 3.11+ is needed"; exit 1; }
	$(PYTHON) -m venv $(SAM_ENV)
	$(SAM_ENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_ENV)/bin/python -m pip install --quiet "aws-sam-cli==$(SAM_CLI_VERSION)"
	touch $@

CHECKOV_ENV := .tools/checkov
CHECKOV_VERSION := 3.3.30

$(CHECKOV_ENV)/.installed:
	@test -n "$(PYTHON)" || { echo "Python 3.11+ is needed"; exit 1; }
	$(PYTHON) -m venv $(CHECKOV_ENV)
	$(CHECKOV_ENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_ENV)/bin/python -m pip install --quiet "checkov==$(CHECKOV_VERSION)"
	touch $@

venv: $(BIN)/.installed

# Once the system is up, the demo videos are published through the real path (once: a
# restart finds them there).
DEMO := PYTHONPATH=layers/message_store:layers/video_tutorials $(BIN)/python -m video_tutorials.demo --devserver "$$DEVSERVER_STATE_DIR"

run: $(BIN)/.installed
	$(BIN)/python -m devserver --run-at-start '$(DEMO)' $(ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

validate: $(SAM_ENV)/.installed
	$(SAM_RUN) validate --lint --template template.yaml

build: $(SAM_ENV)/.installed
	@$(dir $(PYTHON))python3.13 --version >/dev/null 2>&1 || { \
	  echo "sam build needs python3.13 (the Lambda runtime) on PATH or under pyenv"; exit 1; }
	$(SAM_RUN) build --template template.yaml

# checkov over what AWS deploys: the SAM transform's CloudFormation (roles and their policies
# included), once per consumer topology; skips justified in docs/reliability.md.
CHECKOV_OUT := .aws-sam/checkov
checkov: $(CHECKOV_ENV)/.installed $(SAM_ENV)/.installed
	@set -o pipefail; for topology in Streams Queues; do \
	  $(SAM_ENV)/bin/python security/sam_to_cloudformation.py template.yaml $(CHECKOV_OUT)/$$topology.json \
	    ConsumerDelivery=$$topology 2>&1 | { grep -v "Feature Toggle" || true; } || exit 1; \
	  echo "== checkov ($$topology)"; \
	  BC_SKIP_MAPPING=TRUE $(CHECKOV_ENV)/bin/checkov --config-file security/checkov.yaml -f $(CHECKOV_OUT)/$$topology.json || exit 1; \
	done

# Deploying (README "Deploying", docs/operations.md): AWS, and LocalStack's variant of the
# template (tools/variant.py: every function carries its layers, the host's architecture).
STACK ?= video-tutorials
LOCALSTACK_DIR := .aws-sam/localstack

deploy: $(BIN)/.installed $(SAM_ENV)/.installed
	$(BIN)/python tools/deploy.py aws-check --site-url "$(SITE_URL)" --email-sender "$(EMAIL_SENDER)"
	$(MAKE) --no-print-directory build
	$(BIN)/python tools/deploy.py aws --sam $(SAM) --site-url "$(SITE_URL)" \
	  --email-sender "$(EMAIL_SENDER)" --admin-emails "$(ADMIN_EMAILS)" \
	  $(foreach p,$(PARAMETERS),--parameter "$(p)") $(ARGS)

build-localstack: $(BIN)/.installed $(SAM_ENV)/.installed
	$(BIN)/python tools/variant.py localstack --out $(LOCALSTACK_DIR)
	$(SAM_RUN) build --template $(LOCALSTACK_DIR)/template.json --build-in-source \
	  --build-dir $(LOCALSTACK_DIR)/build --cache-dir $(LOCALSTACK_DIR)/cache --parallel

deploy-localstack: $(BIN)/.installed $(SAM_ENV)/.installed
	$(BIN)/python tools/deploy.py localstack-check
	$(MAKE) --no-print-directory build-localstack
	$(BIN)/python tools/deploy.py localstack --sam $(SAM) --template $(LOCALSTACK_DIR)/build/template.yaml $(ARGS)

# sam local: the env-vars file that points the functions at the running devserver's emulator
# (or LocalStack: ARGS="--localstack-stack video-tutorials")
sam-local-env: $(BIN)/.installed
	$(BIN)/python tools/sam_local_env.py $(ARGS)

smoke: $(BIN)/.installed
	$(BIN)/python tools/smoke.py $(or $(URL),http://127.0.0.1:3000) $(ARGS)

.PHONY: deploy build-localstack deploy-localstack sam-local-env smoke

# The end-to-end tests drive Debian's Chromium with playwright (no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Chromium (apt-get) for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "the browser tests need Chromium: sudo apt-get install chromium"; exit 1; \
	  fi; }

unit: $(BIN)/.installed
	$(BIN)/pytest tests/unit $(ARGS)

integration: $(BIN)/.installed
	$(BIN)/pytest tests/integration $(ARGS)

e2e: $(BIN)/.installed browser
	$(BIN)/pytest tests/e2e $(ARGS)

test: lint validate checkov build browser
	$(BIN)/pytest $(ARGS)

# The hostile-input suite deeper than make test runs it: 200 generated requests per operation,
# mode and visitor instead of 10 (docs/reliability.md).
HOSTILE_EXAMPLES ?= 200
hostile: $(BIN)/.installed
	HOSTILE_EXAMPLES=$(HOSTILE_EXAMPLES) $(BIN)/pytest -p no:cacheprovider \
	  tests/unit/applications/test_hostile_openapi.py tests/unit/applications/test_hostile_forms.py $(ARGS)

# Operations (docs/operations.md): against a running `make run`, or --stack-name on AWS.
TOOLS := PYTHONPATH=layers/message_store:layers/video_tutorials $(BIN)/python -m

redrive: $(BIN)/.installed
	$(TOOLS) video_tutorials.redrive $(ARGS)

rebuild: $(BIN)/.installed
	@test -n "$(VIEW)" || { echo "make rebuild VIEW=home-page (or user-credentials) [ARGS=...]"; exit 1; }
	$(TOOLS) video_tutorials.rebuild $(VIEW) $(ARGS)

.PHONY: openapi redrive rebuild
openapi: $(BIN)/.installed
	PYTHONPATH=layers/message_store:layers/video_tutorials $(BIN)/python -m video_tutorials.applications.openapi docs/openapi

bench: $(BIN)/.installed
	@for script in benchmarks/[!_]*.py; do \
	  case "$$script" in benchmarks/load.py) continue;; esac; \
	  echo "== $$script"; $(BIN)/python "$$script" || exit 1; done

# A bounded load run on the devserver (about a minute per topology; not in make bench).
load: $(BIN)/.installed
	$(BIN)/python benchmarks/load.py $(ARGS)

clean:
	rm -rf .aws-sam .pytest_cache .ruff_cache
