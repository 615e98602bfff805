"""The demo app driven as a user would (set widget values, click buttons), with the deterministic
ScriptedBackend planner and a real sandbox: confirmation prompts, Allow writes the calendar .ics and
outbox .eml, Deny writes nothing and skips dependents, DAG colours follow task states.

Usage: .venv/bin/python -m pytest tests/test_demo_app.py -q
"""
import email
import io
import threading

import numpy as np
import pytest
from icalendar import Calendar
from matplotlib.image import imread
from matplotlib.colors import to_rgb

from tinyagent.agent.scripted import ScriptedBackend, pieces
from tinyagent.demo import DemoApp
from tinyagent.demo.dag_view import STATE_COLORS, plan_graph

INVITE = ('1. get_email_address("Sid")\n2. get_email_address("Lutfi")\n'
          '3. create_calendar_event("Design review", "2024-05-30 14:00:00", "2024-05-30 15:00:00", "Room 4", '
          '["$1", "$2"], "", "")\n'
          '4. compose_new_email(["$1", "$2"], [], "Design review", "See you at 2pm in Room 4.", [])\n'
          '5. join()<END_OF_PLAN>')
CHAIN = ('1. get_email_address("Sid")\n'
         '2. create_calendar_event("Sync", "2024-05-30 09:00:00", "2024-05-30 09:30:00", "", ["$1"], "", "")\n'
         '3. compose_new_email(["$1"], [], "Sync", "Invite: $2", [])\n4. join()<END_OF_PLAN>')


def make_app(tmp_path, plan, **kw):
    kw.setdefault("approval_timeout", 60)
    return DemoApp(workspace=tmp_path / "ws", outputs=tmp_path / "outputs", classifier_dir=None,
                   planner=ScriptedBackend([plan]), planner_label="scripted", joiner="fallback", **kw)


def colour_pixels(png: bytes, state: str) -> int:
    """Pixels of the DAG picture painted in `state`'s colour."""
    rgb = imread(io.BytesIO(png))[..., :3]
    return int((np.abs(rgb - np.array(to_rgb(STATE_COLORS[state]))).max(axis=-1) < 0.02).sum())


def answer_all(app, yes, expected):
    """Click Allow (or Deny) on every confirmation until `expected` tasks were answered."""
    answered = []
    while len(answered) < len(expected):
        waiting = [i for i in app.wait_for_approval(30) if i not in answered]
        assert waiting, f"no confirmation appeared; answered {answered}, expected {expected}"
        for idx in waiting:
            allow, deny = app.approval_buttons[idx]
            (allow if yes else deny).click()
            answered.append(idx)
    assert sorted(answered) == expected


def test_allow_writes_the_event_and_the_email(tmp_path):
    app = make_app(tmp_path, INVITE)
    app.query.value = "Invite Sid and Lutfi to a design review on May 30 at 2pm and email them"
    app.run_button.click()
    answer_all(app, True, [3, 4])  # only the side-effect tools ask
    result = app.wait(60)
    assert result.report.counts == {"done": 4}
    assert {i: r.outcome for i, r in app.gate.decisions.items()} == {3: "allowed", 4: "allowed"}
    ws = app.sandbox.ws
    (ics,), (eml,) = list(ws.calendar.glob("*.ics")), list(ws.outbox.glob("*.eml"))
    event = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")[0]
    assert str(event["summary"]) == "Design review" and str(event["location"]) == "Room 4"
    assert event.decoded("dtstart").strftime("%Y-%m-%d %H:%M") == "2024-05-30 14:00"
    attendees = " ".join(str(a) for a in event.get("attendee"))
    assert "sid.patel@example.com" in attendees and "lutfi" in attendees
    msg = email.message_from_bytes(eml.read_bytes())
    assert msg["Subject"] == "Design review" and "sid.patel@example.com" in msg["To"]
    assert "See you at 2pm in Room 4." in msg.get_payload(decode=True).decode()
    # the UI shows it: workspace marks both files new, answer and outcomes listed, DAG all green
    assert sorted(app.metrics()["new_files"]) == sorted([f"calendar/{ics.name}", f"outbox/{eml.name}"])
    assert app.workspace_html.value.count("NEW") == 2 and "Design review" in app.workspace_html.value
    assert "Answer:" in app.answer_html.value and app.approval_box.children == ()
    assert app.plan_box.value == INVITE.split("<END_OF_PLAN>")[0]
    assert colour_pixels(app.dag_image.value, "done") > 200
    assert colour_pixels(app.dag_image.value, "declined") == 0


def test_deny_writes_nothing_and_skips_the_dependents(tmp_path):
    app = make_app(tmp_path, CHAIN)
    app.run("Put a sync with Sid in my calendar and email him the invite")
    answer_all(app, False, [2])
    result = app.wait(60)
    statuses = {r.idx: r.status for r in result.report.results}
    assert statuses == {1: "done", 2: "declined", 3: "skipped"}
    assert "dependency $2 (create_calendar_event) was declined" in result.report.result(3).error
    summary = app.sandbox.workspace_summary()
    assert summary["events"] == [] and summary["outbox"] == [] and app.new_files == []
    assert "declined by the user" in app.outcomes_html.value and "skipped" in app.outcomes_html.value
    assert app.metrics()["approvals"] == {"2": "denied"}
    # the DAG: node colours follow the task states, in the graph and in the picture
    graph = plan_graph(app.live.task_views())
    assert {n: graph.nodes[n]["color"] for n in graph} == {1: STATE_COLORS["done"], 2: STATE_COLORS["declined"],
                                                           3: STATE_COLORS["skipped"]}
    for state in ("done", "declined", "skipped"):
        assert colour_pixels(app.dag_image.value, state) > 200, state


def test_unanswered_confirmation_times_out_as_deny(tmp_path):
    app = make_app(tmp_path, CHAIN, approval_timeout=0.2)
    app.run("Put a sync with Sid in my calendar")
    result = app.wait(60)
    assert result.report.result(2).status == "declined" and app.gate.decisions[2].outcome == "timed out"
    assert app.sandbox.workspace_summary()["events"] == []


def test_auto_approve_box_and_instructions(tmp_path):
    app = make_app(tmp_path, CHAIN)
    app.auto_approve.value = True
    app.instructions.value = "Always write emails in French."
    app.run("Put a sync with Sid in my calendar and email him")
    assert app.wait(60).report.counts == {"done": 3}
    assert "Always write emails in French." in str(app.planner.prompts[0])  # custom instructions reach the planner
    assert app.approval_buttons == {} and len(app.sandbox.workspace_summary()["outbox"]) == 1


def test_plan_box_shows_the_plan_while_it_is_still_being_written(tmp_path):
    half = threading.Event()

    class Paused(ScriptedBackend):  # yields the first two tasks, then waits until the UI showed them
        def stream(self, messages, config, stats=None):
            for n, piece in enumerate(super().stream(messages, config, stats)):
                if n == len(pieces('1. get_email_address("Sid")\n2. get_email_address("Lutfi")\n')):
                    assert half.wait(30), "the plan box never showed the partial plan"
                yield piece

    app = DemoApp(workspace=tmp_path / "ws", classifier_dir=None, planner=Paused([INVITE]), joiner="fallback")
    app.auto_approve.value = True
    seen = []

    def on_change(change):
        seen.append(change["new"])
        if "2. get_email_address" in change["new"] and "create_calendar_event" not in change["new"]:
            half.set()

    app.plan_box.observe(on_change, "value")
    app.run("Invite Sid and Lutfi to a design review")
    app.wait(60)
    assert half.is_set() and seen[-1].endswith("5. join()")
    assert "tool selection" in app.latency_html.value and "first plan token" in app.latency_html.value
    assert app.live.latency["first_token"] <= app.live.latency["total"]


def test_bad_input_is_reported_in_the_ui(tmp_path):
    app = make_app(tmp_path, CHAIN)
    app.query.value = "   "
    app.run_button.click()
    assert "Type a question" in app.status.value and app.live is None
    for box in app.app_toggles.values():
        box.value = False
    app.run("Text Sid")
    assert app.wait(30) is None
    assert "no app is enabled" in app.live.error and "no app is enabled" in app.answer_html.value
    with pytest.raises(ValueError, match="not waiting for approval"):
        app.approve(7, True)
    app.transcribe_button.click()  # nothing uploaded: said in the status line, not raised into the void
    assert "upload a recording first" in app.status.value


def test_apps_switched_off_are_not_offered_and_their_tasks_are_refused(tmp_path):
    app = make_app(tmp_path, CHAIN)
    app.auto_approve.value = True
    app.app_toggles["calendar"].value = False
    app.run("Put a sync with Sid in my calendar")
    result = app.wait(60)
    assert "create_calendar_event" not in result.selected_tools
    assert any("create_calendar_event" in p and "refused" in p for p in app.metrics()["problems"])
    assert app.sandbox.workspace_summary()["events"] == []


HOME_PLAN = ('1. find_device("lamp in the bedroom")\n2. set_light("$1", True, 40)\n'
             '3. join()<END_OF_PLAN>')


def test_the_demo_runs_your_own_tools_with_their_apps_and_confirmations(tmp_path):
    """DemoApp(tools=...) on the example home catalog: its apps as toggles, its side-effect tool asks
    first, Allow runs the function, and the state file it writes shows as new."""
    from tinyagent.tools.loader import load_tools

    home = load_tools("tinyagent.examples.home.tools").catalog
    app = make_app(tmp_path, HOME_PLAN, tools="tinyagent.examples.home.tools")
    assert set(app.app_toggles) == {s.app for s in home} and app.sandbox is None
    assert set(app.enabled_tools().names) == set(home.names)
    app.query.value = "Turn on the bedroom lamp at 40 percent"
    app.run_button.click()
    answer_all(app, True, [2])  # find_device has no side effect; set_light asks
    app.wait(60)
    metrics = app.metrics()
    assert metrics["task_states"] == {"1": "done", "2": "done"}, metrics
    assert metrics["new_files"] == ["home.json"]
    assert "State folder of your tools" in app.workspace_html.value and "NEW" in app.workspace_html.value
    app.app_toggles["lights"].value = False
    assert "set_light" not in app.enabled_tools().names


def test_a_tools_module_that_cannot_load_is_named(tmp_path):
    with pytest.raises(ValueError, match="no_such_tools_module"):
        make_app(tmp_path, HOME_PLAN, tools="no_such_tools_module")
