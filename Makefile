# Two commands for a new user: `make run` and `make test`. Each sets up what it needs:
# `make run` only what running needs, `make test` the test extras and test tools on top.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
apt_list = $(shell grep -v '^\s*\#' $(1) | grep -v '^\s*$$')
APT_RUN := $(call apt_list,packaging/apt-packages.txt)
APT_TEST := $(APT_RUN) $(call apt_list,packaging/apt-packages-test.txt)
PYTHON ?= $(shell command -v python3.11 || command -v python3)

.PHONY: run test setup setup-run apt-run apt-test lint bench demo-call train-text package package-test clean

run: setup-run
	$(VENV)/bin/deescalate $(ARGS)

test: setup
	bash tests/run_all.sh

setup-run: apt-run $(VENV)/.installed-run

setup: apt-test $(VENV)/.installed-test

# Installs only the Debian packages that are missing, so a second run costs a dpkg query.
define install_apt
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

apt-run:
	$(call install_apt,$(APT_RUN))

apt-test:
	$(call install_apt,$(APT_TEST))

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml setup.py | $(VENV)/bin/python
	$(PY) -m pip install -q -e .
	$(PY) packaging/slim_qt.py $(VENV)
	$(PY) packaging/strip_symbols.py $(VENV)
	touch $@

$(VENV)/.installed-test: pyproject.toml setup.py | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[test]'
	$(PY) packaging/slim_qt.py $(VENV)
	$(PY) packaging/strip_symbols.py $(VENV)
	touch $@ $(VENV)/.installed-run

lint: setup
	$(VENV)/bin/ruff check app tests packaging
	$(VENV)/bin/lint-imports

bench: setup
	$(PY) tests/bench/bench_speech.py

# Re-synthesises the shipped demo call (needs espeak-ng); the result is committed.
demo-call: setup
	$(PY) -m deescalate.demo.make_demo_call

# The bundled app (PyInstaller, one folder), a tarball and a .deb, in dist/. A Vosk model
# unzipped into models/ goes along. Takes a few minutes; the machine may be shared, so nice.
package: apt-test
	PYTHON=$(PYTHON) nice -n 10 packaging/build_package.sh . dist

# Builds from a clean checkout of HEAD, installs the .deb with dpkg -i (root), runs the
# installed app offscreen on the demo call, purges it and checks nothing is left.
package-test: apt-test
	PYTHON=$(PYTHON) packaging/package_test.sh

# Retrains the words' tension model from GoEmotions (../shared/data); the weights are committed.
train-text: setup
	$(PY) -m pip install -q -e '.[train]'
	$(PY) -m deescalate.tension.train_text

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts build dist
