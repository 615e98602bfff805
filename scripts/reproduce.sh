#!/usr/bin/env bash
# The main job: set up the environment (if needed) and run the notebook series of a profile,
# ending in outputs/<profile>/REPORT.md (and .html).
# Usage: bash scripts/reproduce.sh [--profile smoke|default|paper] [--force]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
[ $# -gt 0 ] || set -- --profile default
exec .venv/bin/python -m tinyagent.reproduce "$@"
