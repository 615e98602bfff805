"""get_backend: names, the auto choice per OS, keyword pass-through, and errors.

Usage: .venv/bin/python -m pytest tests/test_macos_select.py -q
"""
from __future__ import annotations

import importlib
import sys
import types

import pytest

from tinyagent.macos import MacOSBackend
from tinyagent.tools.backend import ToolBackend, ToolError
from tinyagent.backends import BACKENDS, get_backend


class FakeSandbox(ToolBackend):
    """Stands in for tinyagent.sandbox.SandboxBackend, which another module provides."""

    name = "sandbox"

    def __init__(self, root, **kwargs):
        self.root, self.kwargs = root, kwargs


@pytest.fixture
def fake_sandbox(monkeypatch):
    module = types.ModuleType("tinyagent.sandbox")
    module.SandboxBackend = FakeSandbox
    monkeypatch.setitem(sys.modules, "tinyagent.sandbox", module)
    return module


def test_macos_builds_anywhere_and_passes_keywords(tmp_path):
    backend = get_backend("macos", documents=tmp_path, timeout=5.0)
    assert isinstance(backend, MacOSBackend)
    assert backend.documents == tmp_path and backend.timeout == 5.0


@pytest.mark.parametrize("system, expected", [("Darwin", MacOSBackend), ("Linux", FakeSandbox),
                                              ("Windows", FakeSandbox)])
def test_auto_picks_by_operating_system(system, expected, monkeypatch, fake_sandbox, tmp_path):
    monkeypatch.setattr("platform.system", lambda: system)
    kwargs = {"documents": tmp_path} if expected is MacOSBackend else {"root": tmp_path}
    assert type(get_backend(**kwargs)) is expected


def test_sandbox_by_name(fake_sandbox, tmp_path):
    backend = get_backend("sandbox", root=tmp_path, seed=3)
    assert isinstance(backend, FakeSandbox) and backend.root == tmp_path and backend.kwargs == {"seed": 3}


@pytest.mark.parametrize("name", ["siri", "MacOS", "", "osascript"])
def test_unknown_name_lists_the_choices(name):
    with pytest.raises(ValueError) as info:
        get_backend(name)
    assert f"unknown backend {name!r}" in str(info.value)
    assert all(choice in str(info.value) for choice in BACKENDS)


def test_macos_calls_off_macos_say_osascript_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolError, match="osascript is missing"):
        get_backend("macos").call("send_sms", [["+15550100"], "hi"])


def test_sandbox_choice_builds_the_real_sandbox(tmp_path):
    module = importlib.import_module("tinyagent.sandbox")
    backend = get_backend("sandbox", root=tmp_path)
    assert isinstance(backend, module.SandboxBackend) and isinstance(backend, ToolBackend)
