"""The evaluation study of notebook 05: planner runs for Tables 1 and 2, inputs from 02 and 04, plots.

Modules: `inputs` (what 02 and 04 wrote, checked), `evaluation` (planner runs through the harness),
`quantization` (notebook 04's model rows), `plots` (PNGs). The paper's numbers and the Markdown tables
are in `tinyagent.report` (one layer down, so ToolRAG can use them too).

Usage: see notebooks/05_evaluate.ipynb, e.g.
    quant = load_quant("outputs/default/04_qat_quantize"); print(report.table2_markdown(quant.rows))
"""
from tinyagent.study.inputs import (QuantInputs, StudyInputError, load_quant, load_summary, load_toolrag,
                                    resolve_planner)

__all__ = ["QuantInputs", "StudyInputError", "load_quant", "load_summary", "load_toolrag", "resolve_planner"]
