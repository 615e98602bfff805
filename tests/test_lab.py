"""JupyterLab as a user opens it: `bash scripts/lab.sh` serves the repository on 127.0.0.1 behind a
token and lists the notebooks; the `tinyagent` kernel exists and imports the package; a kernel
started in notebooks/ (as JupyterLab starts it) resolves run folders from the repository root, and a
notebook executed there writes into <repo>/outputs, never notebooks/outputs.

Usage: .venv/bin/python -m pytest tests/test_lab.py -q
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import papermill
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import start_new_kernel

from tinyagent.layout import RunLayout, repo_root
from tinyagent.reproduce.runner import KERNEL_NAME

REPO = repo_root()
NOTEBOOKS = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
ENV = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""
    except urllib.error.URLError:  # not listening yet
        return 0, b""


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """lab.sh in this environment (TINYAGENT_PYTHON skips setup.sh: the tests already run inside it)."""
    log = tmp_path_factory.mktemp("lab") / "lab.log"  # a file, not a pipe: the server logs all along
    with log.open("w") as out:
        proc = subprocess.Popen(["bash", str(REPO / "scripts" / "lab.sh")], cwd=REPO, start_new_session=True,
                                stdout=out, stderr=subprocess.STDOUT, env={**ENV, "TINYAGENT_PYTHON": sys.executable})
    try:
        deadline = time.monotonic() + 120
        while not (found := re.search(r"(http://127\.0\.0\.1:\d+)/lab/tree/notebooks\?token=(\w+)", log.read_text())):
            assert proc.poll() is None, f"lab.sh exited: {log.read_text()}"
            assert time.monotonic() < deadline, "lab.sh printed no URL within 120 s"
            time.sleep(0.2)
        base, token = found.groups()
        while get(f"{base}/api/status?token={token}")[0] != 200:
            assert proc.poll() is None, f"the Jupyter server exited: {log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "the Jupyter server did not answer within 120 s"
            time.sleep(0.5)
        yield base, token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the server (exec'd by lab.sh) and anything it started
        proc.wait(30)


def test_lab_serves_the_notebooks_on_localhost_behind_a_token(lab):
    base, token = lab
    assert base.startswith("http://127.0.0.1:") and len(token) >= 32
    status, body = get(f"{base}/api/contents/notebooks?token={token}")
    assert status == 200
    assert sorted(item["name"] for item in json.loads(body)["content"] if item["type"] == "notebook") == NOTEBOOKS
    assert get(f"{base}/api/contents/notebooks")[0] == 403  # no token, no files
    status, body = get(f"{base}/api/kernelspecs?token={token}")
    specs = json.loads(body)
    assert status == 200 and specs["default"] == KERNEL_NAME and KERNEL_NAME in specs["kernelspecs"]


def test_every_notebook_names_the_tinyagent_kernel_and_it_imports_the_package():
    spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)  # NoSuchKernel: run bash scripts/setup.sh
    for name in NOTEBOOKS:
        assert json.loads((REPO / "notebooks" / name).read_text())["metadata"]["kernelspec"]["name"] == KERNEL_NAME
    done = subprocess.run([spec.argv[0], "-c", "import tinyagent.layout as l; print(l.repo_root())"],
                          capture_output=True, text=True, timeout=120, env=ENV, cwd=REPO / "notebooks")
    assert done.returncode == 0 and done.stdout.strip() == str(REPO), done.stderr


def test_a_kernel_started_in_notebooks_resolves_paths_from_the_repo_root():
    km, kc = start_new_kernel(kernel_name=KERNEL_NAME, cwd=str(REPO / "notebooks"), env=ENV)
    try:
        lines = []
        code = ("import os; from tinyagent.layout import RunLayout, repo_path\n"
                "print(os.getcwd()); print(RunLayout('outputs/default').run_dir); print(repo_path('data/fixtures'))")
        kc.execute_interactive(code, timeout=120, output_hook=lambda m: lines.extend(
            m["content"].get("text", "").split()) if m["msg_type"] == "stream" else None)
        assert lines == [str(REPO / "notebooks"), str(REPO / "outputs" / "default"), str(REPO / "data" / "fixtures")]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_a_notebook_run_from_notebooks_writes_into_the_repo_outputs(tmp_path):
    name = f"test-lab-{uuid.uuid4().hex[:8]}"
    run = RunLayout(f"outputs/{name}")  # the relative form the notebooks use
    stray = REPO / "notebooks" / "outputs"
    had_stray = stray.exists()
    try:
        papermill.execute_notebook(str(REPO / "notebooks" / "01_data_synthesis.ipynb"), str(tmp_path / "01.ipynb"),
                                   parameters={"run_dir": f"outputs/{name}", "size": 40, "execute_sample": 0},
                                   cwd=str(REPO / "notebooks"), kernel_name=KERNEL_NAME, progress_bar=False)
        assert run.run_dir == REPO / "outputs" / name and run.has("synthesis") and run.split("test").is_file()
        assert stray.exists() == had_stray, "the notebook wrote notebooks/outputs/"
        executed = json.loads((tmp_path / "01.ipynb").read_text())
        stderr = [o for c in executed["cells"] for o in c.get("outputs", []) if o.get("name") == "stderr"]
        assert not stderr, stderr  # notebooks render stderr as error blocks
    finally:
        shutil.rmtree(run.run_dir, ignore_errors=True)
