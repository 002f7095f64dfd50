#!/usr/bin/env bash
# The whole suite: lint, then every test. Tests start their own PulseAudio and Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check app tests packaging
exec .venv/bin/pytest -p no:cacheprovider "$@"
