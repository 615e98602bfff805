#!/usr/bin/env bash
# Set up the environment (if needed), install Debian's chromium for the browser tests (if missing),
# check the import layers (pyproject.toml [tool.importlinter]), run the smoke profile of the main job
# end to end (its fine-tuned planner is what tests/browser plans with) and the custom-smoke profile (the
# same pipeline on the example home-automation tools; tests/test_custom_smoke.py checks it), then the
# whole test suite (doctests included).
# Usage: bash scripts/test.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v chromium >/dev/null; then  # tests/browser: Debian's package, not a playwright download
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
.venv/bin/lint-imports
if [ $# -eq 0 ]; then
  .venv/bin/python -m tinyagent.reproduce --profile smoke --run-id ci-smoke --force
  .venv/bin/python -m tinyagent.reproduce --profile custom-smoke --run-id ci-custom --force
fi
.venv/bin/python -m pytest "$@"
