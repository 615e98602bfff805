#!/usr/bin/env bash
# Open the notebook series in JupyterLab: set up the environment if needed (scripts/setup.sh, which
# also registers the `tinyagent` kernel the notebooks use), then serve the repository root on
# 127.0.0.1 only, behind a fresh random token, without opening a browser. Prints the URL to open.
# Usage: bash scripts/lab.sh [extra jupyter lab options]
#   TINYAGENT_LAB_PORT=8888   port (default: a free one)
#   TINYAGENT_LAB_TOKEN=...   token (default: random, printed in the URL)
#   TINYAGENT_PYTHON=/path/python   use this environment as it is, without scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${TINYAGENT_PYTHON:-}" ]; then
  py=$TINYAGENT_PYTHON
else
  bash scripts/setup.sh
  py=.venv/bin/python
fi
port=${TINYAGENT_LAB_PORT:-$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
token=${TINYAGENT_LAB_TOKEN:-$("$py" -c 'import secrets; print(secrets.token_hex(24))')}

echo "JupyterLab on the notebooks (Ctrl-C stops it):"
echo "    http://127.0.0.1:$port/lab/tree/notebooks?token=$token"
# The token goes by environment, not argv, so other users' `ps` does not show it.
export JUPYTER_TOKEN=$token
root=()  # containers and CI run as root, which Jupyter refuses without saying so
[ "$(id -u)" != 0 ] || root=(--allow-root)
exec "$py" -m jupyterlab "${root[@]}" --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port="$port" \
  --ServerApp.port_retries=0 --ServerApp.root_dir="$PWD" \
  --MappingKernelManager.default_kernel_name=tinyagent "$@"
