"""Every notebook in notebooks/ is stored stripped and follows the series conventions (one run_dir
parameter; every other path comes from the run layout; the project's `tinyagent` kernel; a title,
a paragraph on the paper's claim and what to expect, and a reading note after each table or plot).

Usage: .venv/bin/python -m pytest tests/test_notebooks_clean.py -q
"""
import ast
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ is empty"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stripped_numbered_and_parameterised(path):
    assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), "name notebooks NN_name.ipynb"
    cells = json.loads(path.read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    dirty = [i for i, c in enumerate(code) if c.get("outputs") or c.get("execution_count")]
    assert not dirty, f"code cells {dirty} have outputs: strip them before committing"
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and code.index(tagged[0]) == 1, "the second code cell must be tagged `parameters`"
    source = "".join(tagged[0]["source"])
    params = {}
    for node in ast.parse(source).body:
        assert isinstance(node, ast.Assign), "the parameters cell holds assignments only"
        params[node.targets[0].id] = ast.literal_eval(node.value)  # literals only, so papermill can override them
    assert all(re.search(r"  # \S", line) for line in source.splitlines()), "each parameter needs a comment"
    assert params.get("run_dir") == "outputs/default", "every notebook takes the run folder as run_dir"
    folders = sorted(n for n in params if n.endswith("_dir") and n != "run_dir")
    assert not folders, f"{folders}: a step's folders come from tinyagent.layout.RunLayout(run_dir), not parameters"
    assert "import" in "".join(code[0]["source"]), "the first cell holds the imports"
    assert "metrics.json" in "".join(code[-1]["source"]), "the last cell records metrics.json"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_uses_the_project_kernel_and_reads_as_a_narrative(path):
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "tinyagent", "the kernel scripts/setup.sh registers"
    cells = nb["cells"]
    title = "".join(cells[0]["source"])
    assert cells[0]["cell_type"] == "markdown" and re.match(rf"# {path.name[:2]} \S", title), "open with a # NN title"
    for part in ("paper's claim", "What to expect", "default profile"):
        assert part in title, f"the opening paragraph says {part!r}"
    shown = ("Image(", "Markdown(", "print(format_table")  # cells whose output is a plot or a table
    for i, cell in enumerate(cells[:-1]):
        if cell["cell_type"] == "code" and any(s in "".join(cell["source"]) for s in shown):
            assert cells[i + 1]["cell_type"] == "markdown", f"cell {i} shows a table or plot: say how to read it"
    long = [i for i, c in enumerate(cells) if c["cell_type"] == "code" and len(c["source"]) > 25]
    assert not long, f"code cells {long} are long: move the logic into the package"
