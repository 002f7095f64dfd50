# Two commands for a new user: `make run` and `make test`. Each sets up what it needs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := $(shell grep -v '^\s*\#' packaging/apt-packages.txt | grep -v '^\s*$$')
PYTHON ?= $(shell command -v python3.11 || command -v python3)

.PHONY: run test setup apt lint bench demo-call clean

run: setup
	$(VENV)/bin/deescalate $(ARGS)

test: setup
	bash tests/run_all.sh

setup: apt $(VENV)/.installed

# Installs only the Debian packages that are missing, so a second run costs a dpkg query.
apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

lint: setup
	$(VENV)/bin/ruff check app tests packaging

bench: setup
	$(PY) tests/bench/bench_speech.py

# Re-synthesises the shipped demo call (needs espeak-ng); the result is committed.
demo-call: setup
	$(PY) -m app.demo.make_demo_call

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
