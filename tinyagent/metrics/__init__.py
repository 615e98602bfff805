"""Plan metrics: the paper's DAG-isomorphism success rate, an error taxonomy, and summaries.

Example:
    >>> from tinyagent.metrics import score_many
    >>> gold = '1. get_phone_number("Sid")\\n2. send_sms(["$1"], "hi")\\n3. join()<END_OF_PLAN>'
    >>> s = score_many([gold, '1. send_sms(["x"], "hi")\\n2. join()'], [gold, gold])
    >>> s["success_rate"], s["errors"]["missing_call"]
    (0.5, 1)
"""
from tinyagent.metrics.dag import PlanScore, plan_graph, score_plan
from tinyagent.metrics.summary import score_many, wilson_interval
from tinyagent.metrics.taxonomy import ERROR_CATEGORIES, ERROR_ORDER, tool_set_error

__all__ = ["ERROR_CATEGORIES", "ERROR_ORDER", "PlanScore", "plan_graph", "score_many", "score_plan",
           "tool_set_error", "wilson_interval"]
