#!/usr/bin/env bash
# The whole suite: lint (ruff, and the layer contracts with import-linter), then every test.
# Tests start their own PulseAudio and Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check app tests packaging
.venv/bin/lint-imports --no-cache
exec .venv/bin/pytest -p no:cacheprovider "$@"
