#!/usr/bin/env bash
# Set up the environment (if needed), check the import layers (pyproject.toml [tool.importlinter]),
# run the whole test suite (doctests included), then the smoke profile of the main job end to end.
# Usage: bash scripts/test.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/lint-imports
.venv/bin/python -m pytest "$@"
if [ $# -eq 0 ]; then
  .venv/bin/python -m tinyagent.reproduce --profile smoke --run-id ci-smoke --force
fi
