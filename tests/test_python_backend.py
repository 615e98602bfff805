"""PythonToolBackend: the user's functions run by the real executor (threads, timeouts, caps, approval)."""
from __future__ import annotations

import json
import threading
import time

import pytest

from tinyagent.examples.home.tools import STATE_FILE, tools as home_tools
from tinyagent.execute import execute_plan
from tinyagent.execute.python_backend import PythonToolBackend
from tinyagent.plan.parser import parse_plan
from tinyagent.tools.backend import ToolError
from tinyagent.tools.cancel import commit
from tinyagent.tools.functions import ToolRegistry
from tinyagent.tools.limits import MAX_TEXT_CHARS
from tinyagent.tools.loader import LoadedTools, load_tools
from tinyagent.tools.workdir import workdir


def plan(*lines: str):
    return parse_plan("\n".join(lines + (f"{len(lines) + 1}. join()<END_OF_PLAN>",)))


def home_state(root) -> dict:
    return json.loads((root / STATE_FILE).read_text(encoding="utf-8"))


def test_chain_runs_and_changes_state_on_disk(tmp_path):
    backend = PythonToolBackend(load_tools("tinyagent.examples.home.tools"), workdir=tmp_path)
    report = backend.run(plan('1. get_temperature("bedroom")', '2. set_thermostat("living room", "$1")',
                              '3. find_device("lamp in the bedroom")', '4. set_light("$3", True, 30)'))
    assert [r.status for r in report.results] == ["done"] * 4
    assert report.result(2).result == "living room thermostat set to 19.5 degrees (auto)"
    state = home_state(tmp_path)
    assert state["devices"]["living room thermostat"]["target"] == 19.5
    assert state["devices"]["bedroom lamp"] == {"kind": "light", "room": "bedroom", "on": True, "brightness": 30}


def test_defaults_fill_omitted_and_none_arguments(tmp_path):
    backend = PythonToolBackend(home_tools, workdir=tmp_path)
    assert backend.arguments("set_light", ["porch light", True]) == ["porch light", True, 100]
    assert backend.arguments("set_light", ["porch light", True, None]) == ["porch light", True, 100]
    assert backend.arguments("notify", ["hi"]) == ["hi", None]
    assert backend.arguments("set_thermostat", ["bedroom", 20]) == ["bedroom", 20.0, "auto"]
    assert backend.call("notify", ["hi", "Ana"]) == "notified Ana: hi"  # lone string -> one-item list
    assert home_state(tmp_path)["notifications"] == [{"message": "hi", "recipients": ["Ana"]}]


def test_list_results_stay_lists_for_references(tmp_path):
    report = PythonToolBackend(home_tools, workdir=tmp_path).run(
        plan('1. list_devices("kitchen")', '2. notify("Kitchen: $1")'))
    assert report.result(1).result == "['kitchen light', 'back door']"
    assert report.result(2).status == "done"


def test_side_effects_ask_for_approval_with_substituted_arguments(tmp_path):
    asked = []

    def deny(task):
        asked.append((task.tool, task.args))
        return False

    backend = PythonToolBackend(home_tools, workdir=tmp_path)
    report = backend.run(plan('1. find_device("front door")', '2. lock_door("$1", False)',
                              '3. notify("$2")'), approve=deny)
    assert [r.status for r in report.results] == ["done", "declined", "skipped"]
    assert asked == [("lock_door", ("front door", False))]  # find_device has no side effects: not asked
    assert not (tmp_path / STATE_FILE).exists()  # nothing was written


def test_tool_errors_fail_the_task_with_their_message(tmp_path):
    report = PythonToolBackend(home_tools, workdir=tmp_path).run(plan('1. set_light("front door", True)'))
    assert report.result(1).status == "failed"
    assert report.result(1).error == "ToolError: 'front door' is a lock, not a light"


def _slow_registry(started: threading.Event) -> ToolRegistry:
    reg = ToolRegistry()

    @reg.tool(side_effect=True)
    def slow_write(text: str) -> str:
        """Write a file after a while.

        Args:
            text: What to write.
        """
        started.set()
        time.sleep(0.6)
        with commit("slow file"):
            (workdir() / "slow.txt").write_text(text)
        return "written"

    @reg.tool
    def nap(seconds: float) -> str:
        """Sleep, then say so."""
        time.sleep(seconds)
        return f"slept {seconds:g}"

    @reg.tool
    def huge(n: int) -> list[str]:
        """Return n characters, twice."""
        return ["x" * n, "y"]

    return reg


def test_timeout_cancels_the_call_so_it_writes_nothing(tmp_path):
    started = threading.Event()
    backend = PythonToolBackend(_slow_registry(started), workdir=tmp_path, timeout=0.2)
    report = backend.run(plan('1. slow_write("late")'))
    assert report.result(1).status == "timeout"
    assert "saves no change" in report.result(1).error
    time.sleep(0.7)  # the abandoned thread finishes its sleep and reaches commit()
    assert started.is_set() and not (tmp_path / "slow.txt").exists()


def test_independent_calls_run_in_parallel_threads(tmp_path):
    backend = PythonToolBackend(_slow_registry(threading.Event()), workdir=tmp_path, max_workers=4)
    t0 = time.perf_counter()
    report = backend.run(plan("1. nap(0.3)", "2. nap(0.3)", "3. nap(0.3)"))
    assert [r.result for r in report.results] == ["slept 0.3"] * 3
    assert time.perf_counter() - t0 < 0.8  # serial would take 0.9 s


def test_outputs_are_capped_also_inside_lists(tmp_path):
    backend = PythonToolBackend(_slow_registry(threading.Event()), workdir=tmp_path)
    out = backend.call("huge", [MAX_TEXT_CHARS + 10])
    assert out[0].endswith("…[truncated: 10 of 16010 characters dropped]") and out[1] == "y"


def test_bad_calls_and_bad_backends_are_refused(tmp_path):
    backend = PythonToolBackend(home_tools, workdir=tmp_path)
    with pytest.raises(ToolError, match="unknown tool 'fly'"):
        backend.call("fly", [])
    with pytest.raises(ToolError, match="takes 1 to 1 arguments, got 2"):
        backend.call("get_temperature", ["a", "b"])
    with pytest.raises(ToolError, match="'target' must be a number"):
        backend.call("set_thermostat", ["bedroom", "warm"])
    with pytest.raises(ValueError, match="JSON schemas only"):
        PythonToolBackend(LoadedTools("x.json", home_tools.catalog, None), workdir=tmp_path)
    with pytest.raises(ValueError, match="no function for"):
        PythonToolBackend({}, home_tools.catalog, workdir=tmp_path)


def test_executor_accepts_it_like_any_backend(tmp_path):
    report = execute_plan(plan('1. get_device_state("front door")'), PythonToolBackend(home_tools, workdir=tmp_path))
    assert report.result(1).result == "front door is locked"


def test_agent_streams_a_plan_onto_the_users_functions(tmp_path):
    from tinyagent.agent.joiner import Joiner
    from tinyagent.agent.loop import Agent
    from tinyagent.agent.scripted import ScriptedBackend

    reply = ('1. find_device("lamp in the bedroom")\n2. set_light("$1", True, 30)\n'
             '3. notify("Bedroom lamp: $2")\n4. join()<END_OF_PLAN>')
    planner = ScriptedBackend([reply])
    backend = PythonToolBackend(home_tools, workdir=tmp_path)
    asked = []
    agent = Agent(planner, tool_backend=backend, joiner=Joiner(mode="fallback"), max_rounds=1)
    result = agent.run("Dim the bedroom lamp to 30% and tell everyone", approve=lambda t: asked.append(t.tool) or True)
    statuses = [r.status for r in result.rounds[0].report.results]
    assert statuses == ["done", "done", "done"] and asked == ["set_light", "notify"]
    assert home_state(tmp_path)["notifications"][0]["message"] == "Bedroom lamp: bedroom lamp turned on at 30%"
    prompt = agent.messages("x", backend.catalog)[0]["content"]
    assert "set_thermostat" in prompt and "send_sms" not in prompt  # the planner sees the user's tools
