"""The evaluation study of notebook 05: Tables 1 and 2 beside the paper, plots, NesTools.

Modules: `paper` (the published numbers), `inputs` (what 02 and 04 wrote, checked), `evaluation`
(planner runs through the harness), `tables` (Markdown), `plots` (PNGs).

Usage: see notebooks/05_evaluate.ipynb, e.g.
    quant = load_quant("outputs/default/04_qat_quantize"); print(table2_markdown(quant.rows))
"""
from tinyagent.study.inputs import (QuantInputs, StudyInputError, load_quant, load_summary, load_toolrag,
                                    resolve_planner)
from tinyagent.study.tables import (paper_table2_markdown, report_markdown, runs_markdown, table1_markdown,
                                    table2_markdown)

__all__ = ["QuantInputs", "StudyInputError", "load_quant", "load_summary", "load_toolrag", "paper_table2_markdown",
           "report_markdown", "resolve_planner", "runs_markdown", "table1_markdown", "table2_markdown"]
