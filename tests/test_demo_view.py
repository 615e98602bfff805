"""The demo's view as a user meets it, on the real app with a real sandbox: which planner and selector
it uses (notebook 06's `demo_setup` picks the served one), nothing of the previous run left on screen,
the status line after Allow, no image before there is a DAG, arrowheads outside the boxes, the
sandbox's contacts and files listed, no "Loading weights" bar, and a success-by-shape plot whose
legend and bar labels do not collide.

Usage: .venv/bin/python -m pytest tests/test_demo_view.py -q
"""
import json
import random
import time

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import FancyArrowPatch
from matplotlib.transforms import Bbox

from tinyagent.agent.scripted import ScriptedBackend
from tinyagent.demo import DemoApp
from tinyagent.demo.choices import demo_setup
from tinyagent.demo.dag_view import draw_dag
from tinyagent.demo.live import TaskView
from tinyagent.layout import RunLayout
from tinyagent.planner.models import default_planner_gguf

SMS = '1. get_phone_number("Sid")\n2. send_sms(["$1"], "Running late")\n3. join()<END_OF_PLAN>'
# A side effect first, then a long thought streamed slowly: the run goes on well after Allow.
SLOW = ('1. create_note("Groceries", "milk", "")\nThought: ' + " ".join(["then"] * 60)
        + '\n2. join()<END_OF_PLAN>')


def scripted_app(tmp_path, plan, delay=0.0):
    return DemoApp(workspace=tmp_path / "ws", outputs=tmp_path / "outputs", classifier_dir=None,
                   planner=ScriptedBackend([plan], delay=delay), planner_label="scripted", joiner="fallback",
                   approval_timeout=60)


def test_before_any_run_no_image_and_the_sandbox_contents_are_listed(tmp_path):
    app = scripted_app(tmp_path, SMS)
    assert app.dag_image.layout.display == "none" and app.dag_image.value == b""  # no broken-image icon
    page = app.workspace_html.value
    assert "What the sandbox knows" in page and "Sid Patel" in page and "sid.patel@example.com" in page
    assert "Quarterly Report Q2 2024.pdf" in page  # a seeded document the file tools can open
    assert "<b>Planner:</b> scripted" in app.source_html.value
    assert "all enabled tools are shown" in app.source_html.value  # the fallback is said on screen


def test_a_new_run_clears_the_last_one_and_the_status_follows_allow(tmp_path):
    app = scripted_app(tmp_path, SMS)
    app.auto_approve.value = True
    app.run("Text Sid that I am late")
    app.wait(60)
    assert "Answer:" in app.answer_html.value and "send_sms" in app.outcomes_html.value
    assert app.dag_image.layout.display == "" and app.dag_image.value[:4] == b"\x89PNG"

    app.planner = ScriptedBackend([SLOW], delay=0.05)
    app.auto_approve.value = False
    app.run("Note milk in Groceries")
    assert app.wait_for_approval(30) == [1]
    app.refresh()
    assert app.answer_html.value == "" and app.outcomes_html.value == ""  # nothing left from the SMS run
    assert "waiting for your confirmation" in app.status.value
    app.approval_buttons[1][0].click()  # Allow
    deadline = time.monotonic() + 10
    while "waiting for your confirmation" in app.status.value and time.monotonic() < deadline:
        time.sleep(0.05)
    assert app.running, "the slow plan should still be streaming"
    assert "planning and running with scripted" in app.status.value
    app.wait(60)
    assert "done" in app.status.value and "create_note" in app.outcomes_html.value


def test_arrowheads_end_outside_the_boxes():
    views = [TaskView(1, "get_email_address", frozenset(), "done", "sid.patel@example.com"),
             TaskView(2, "create_calendar_event", frozenset({1}), "awaiting_approval"),
             TaskView(3, "compose_new_email", frozenset({1, 2}), "planned")]
    fig = draw_dag(views)
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    boxes = {int(t.get_text().split(".")[0]): t.get_bbox_patch().get_window_extent(renderer) for t in ax.texts
             if t.get_bbox_patch() is not None}
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 3 and all(a.get_zorder() > t.get_zorder() for a in arrows for t in ax.texts)
    for arrow in arrows:
        tip = ax.transData.transform(arrow.get_path().vertices).max(axis=0)[0]  # left to right: the head
        target = min((b for b in boxes.values() if b.x0 >= tip - 1), key=lambda b: b.x0 - tip)
        assert target.x0 - 12 < tip <= target.x0 + 0.5, (tip, target)  # just outside the target box


def test_demo_setup_serves_the_newest_runs_planner_and_says_so(tmp_path):
    run = RunLayout(tmp_path / "outputs" / "smoke")
    gguf = run.quant_gguf("q4_0")
    gguf.parent.mkdir(parents=True)
    gguf.symlink_to(default_planner_gguf())
    run.report_json.write_text(json.dumps({"served": {"model": str(gguf), "classifier_dir": None}}))
    setup = demo_setup(RunLayout(tmp_path / "outputs" / "default"))  # a fresh run beside it, as in JupyterLab
    assert setup.model == str(gguf) and setup.planner is None and setup.notes == ()
    assert setup.label == "fine-tuned planner planner-qat-q4_0.gguf (run smoke)"
    app = DemoApp(workspace=tmp_path / "ws", **setup.app_kwargs())  # the model loads on the first Run only
    assert app.model.value == str(gguf) and "fine-tuned planner planner-qat-q4_0.gguf" in app.source_html.value
    bare = RunLayout(tmp_path / "elsewhere" / "r")  # no run beside it has a planner
    assert demo_setup(bare).model is None and "not fine-tuned" in demo_setup(bare).notes[0]
    assert "what you type is not planned" in demo_setup(bare, "scripted", "", "1. join()").notes[0]
    assert app.grammar.value is False and setup.grammar is False  # the run chose free decoding (no choice recorded)
    run.report_json.write_text(json.dumps({"served": {"model": str(gguf), "classifier_dir": None, "grammar": True}}))
    chosen = demo_setup(RunLayout(tmp_path / "outputs" / "default"))
    assert chosen.grammar is True and "grammar-constrained decoding is on" in chosen.notes[0]
    assert DemoApp(workspace=tmp_path / "ws2", **chosen.app_kwargs()).grammar.value is True


def test_loading_the_encoder_prints_no_progress_bar(capfd):
    from tinyagent.toolrag.embed import Encoder

    Encoder()
    assert "Loading weights" not in capfd.readouterr().err


def test_success_by_shape_legend_and_labels_do_not_collide(tmp_path):
    from tinyagent.study.plots import success_by_shape_figure

    rng = random.Random(0)
    shapes = ("single", "chain", "fan_out", "fan_in")
    runs = {f"model {i} (test)": {"by_shape": {sh: {"n": (n := rng.randint(5, 40)), "successes": (k := rng.randint(0, n)),
                                                    "success_rate": k / n} for sh in shapes}} for i in range(8)}
    fig = success_by_shape_figure(runs)  # what plot_success_by_shape saves
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent(renderer)
    labels = [t.get_window_extent(renderer) for t in ax.texts if t.get_text()]
    assert len(labels) == 8 * len(shapes)
    assert not legend.overlaps(ax.get_window_extent(renderer)), "the legend covers the bars"
    for i, a in enumerate(labels):
        assert not any(Bbox.intersection(a, b) is not None and Bbox.intersection(a, b).width > 0.5
                       for b in labels[i + 1:]), "two bar labels overlap"
