"""Shared test fixtures. `llama_server`: a real `python -m llama_cpp.server` on the offline SmolLM2
GGUF at 127.0.0.1 on a free port, started once per test session and stopped at its end.

Usage: used implicitly by pytest, e.g. .venv/bin/python -m pytest tests/test_planner_backends.py -q
"""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from typing import Iterator

import pytest

from tinyagent.planner.models import default_planner_gguf

SERVER_MODEL_ALIAS = "smollm2"  # the model name clients send to the test server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def llama_server() -> Iterator[str]:
    """Base URL (".../v1") of a llama_cpp.server serving SmolLM2 as model `smollm2`."""
    model = default_planner_gguf()  # FileNotFoundError names the package to install
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
                             "--port", str(port), "--n_ctx", "2048", "--n_threads", "1",
                             "--model_alias", SERVER_MODEL_ALIAS],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120  # generous: the machine may be busy
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("llama_cpp.server did not answer /v1/models within 120 s")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
