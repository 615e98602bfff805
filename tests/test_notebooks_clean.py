"""Every notebook in notebooks/ is stored stripped and follows the series conventions (one run_dir
parameter; every other path comes from the run layout).

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
