"""Reporting, at the bottom layer: the paper's published numbers and every Markdown table of the reports.

Modules: `paper` (the published numbers, as data), `tables` (`markdown_table` and Tables 1 and 2 beside
the paper). Any layer may import it; it imports nothing of tinyagent but itself.

Example:
    >>> from tinyagent.report import PAPER_TABLE1, markdown_table
    >>> markdown_table(["a"], [[PAPER_TABLE1["no_rag"].prompt_tokens]]).splitlines()[-1]
    '| 2762 |'
"""
from tinyagent.report.paper import (MODELS, PAPER_OFF_THE_SHELF, PAPER_QUANT_FOR, PAPER_TABLE1, PAPER_TABLE2,
                                    PAPER_TOP6_RECALL, SOURCE, PaperQuantRow, PaperSelectorRow, paper_quant_row)
from tinyagent.report.tables import (NA, markdown_table, paper_table2_markdown, rate_ci, report_markdown,
                                     runs_markdown, selector_kind, table1_success_markdown, table2_markdown)

__all__ = ["MODELS", "NA", "PAPER_OFF_THE_SHELF", "PAPER_QUANT_FOR", "PAPER_TABLE1", "PAPER_TABLE2",
           "PAPER_TOP6_RECALL", "SOURCE", "PaperQuantRow", "PaperSelectorRow", "markdown_table",
           "paper_quant_row", "paper_table2_markdown", "rate_ci", "report_markdown", "runs_markdown",
           "selector_kind", "table1_success_markdown", "table2_markdown"]
