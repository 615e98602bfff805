#!/usr/bin/env bash
# Set up the environment (if needed) and run the whole test suite, doctests included.
# Usage: bash scripts/test.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
