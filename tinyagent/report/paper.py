"""The paper's published numbers (Tables 1 and 2), kept as data so reports print them beside ours.

Source: Erdogan et al., "TinyAgent: Function Calling at the Edge" (arXiv:2409.00608, 2024),
Table 1 (Tool RAG) and Table 2 (quantization, latency on a MacBook M3 Pro), as transcribed in
/work/shared/RESEARCH.md section 1. Success rates are percentages of test plans whose DAG is
isomorphic to the gold plan's; latency is end-to-end planner time; size is the model file.

Example:
    >>> PAPER_TABLE1["classifier"].success["TinyLlama-1.1B"]
    80.06
    >>> [r.quant for r in PAPER_TABLE2 if r.model == "TinyLlama-1.1B"]
    ['f16', '4-bit (QAT, group 32)']
"""
from __future__ import annotations

from dataclasses import dataclass

SOURCE = 'Erdogan et al., "TinyAgent: Function Calling at the Edge", arXiv:2409.00608 (2024)'
MODELS = ("TinyLlama-1.1B", "Wizard-2-7B")  # the paper's two fine-tuned planners


@dataclass(frozen=True)
class PaperSelectorRow:
    """One row of the paper's Table 1 (Tool RAG)."""

    selector: str  # as the paper names it
    tool_recall: float  # share of queries whose gold tools are all selected
    avg_tools: float | None  # tools shown per query (None where the paper gives no figure)
    prompt_tokens: int  # planner prompt tokens
    success: dict[str, float]  # model -> success rate in percent (fine-tuned planner)


@dataclass(frozen=True)
class PaperQuantRow:
    """One row of the paper's Table 2 (quantization; MacBook M3 Pro)."""

    model: str  # planner
    quant: str  # weight format
    latency_s: float  # end-to-end planner latency
    size_gb: float | None  # model size (None for hosted models)
    success: float  # percent


# Keys are the row kinds our Table 1 uses (see tinyagent.report.tables.selector_kind).
PAPER_TABLE1: dict[str, PaperSelectorRow] = {
    "no_rag": PaperSelectorRow("no RAG", 1.0, 16, 2762, {"TinyLlama-1.1B": 78.89, "Wizard-2-7B": 83.09}),
    "basic_rag": PaperSelectorRow("basic RAG top-3", 0.949, 3, 1674, {"TinyLlama-1.1B": 74.88, "Wizard-2-7B": 78.50}),
    "classifier": PaperSelectorRow("DeBERTa-v3-small classifier", 0.998, 3.97, 1397,
                                   {"TinyLlama-1.1B": 80.06, "Wizard-2-7B": 84.95}),
}

# Basic RAG recall with the top 6 tools (paper text; not a row of Table 1, no success reported).
PAPER_TOP6_RECALL = 0.968

PAPER_TABLE2: tuple[PaperQuantRow, ...] = (
    PaperQuantRow("TinyLlama-1.1B", "f16", 3.9, 2.2, 80.06),
    PaperQuantRow("TinyLlama-1.1B", "4-bit (QAT, group 32)", 2.9, 0.68, 80.35),
    PaperQuantRow("Wizard-2-7B", "f16", 19.5, 14.5, 84.95),
    PaperQuantRow("Wizard-2-7B", "4-bit", 13.1, 4.37, 85.14),
    PaperQuantRow("GPT-3.5", "hosted", 3.2, None, 65.04),
    PaperQuantRow("GPT-4-Turbo", "hosted", 3.9, None, 79.08),
)

# Success (percent) of the planners before fine-tuning, as stated in the paper's text.
PAPER_OFF_THE_SHELF: dict[str, float] = {"TinyLlama-1.1B": 12.71, "Wizard-2-7B": 41.25}

# Which paper row each of notebook 04's model names corresponds to (None: the paper has no such row).
# "base" is the untuned model, compared with the paper's off-the-shelf success only.
PAPER_QUANT_FOR: dict[str, str | None] = {"base": "off the shelf", "f16": "f16", "q4_0": None,
                                          "q4_0_qat": "4-bit"}


def paper_quant_row(model: str, quant_prefix: str) -> PaperQuantRow:
    """The Table 2 row of `model` whose quant starts with `quant_prefix`; KeyError naming both if none.

    >>> paper_quant_row("Wizard-2-7B", "4-bit").latency_s
    13.1
    """
    for row in PAPER_TABLE2:
        if row.model == model and row.quant.startswith(quant_prefix):
            return row
    raise KeyError(f"the paper's Table 2 has no row for model {model!r} with quant {quant_prefix!r}")
