"""The planner: prompt building, backends that stream plan text, plan grammars, token counting,
and `Planner`, the one path from a query to checked tasks (agent, demo, evaluation, validation).

Example:
    >>> from tinyagent.planner import Example, GenerationConfig, Planner, build_messages, make_backend
    >>> GenerationConfig().stop
    ('<END_OF_PLAN>',)
"""
from tinyagent.planner.backends import GenerationConfig, GenerationStats, PlannerBackend, generate, make_backend
from tinyagent.planner.grammar import plan_grammar
from tinyagent.planner.models import default_planner_gguf
from tinyagent.planner.planner import ExampleRetriever, Planner, Selection, ToolSelector, replan_context
from tinyagent.planner.prompt import Example, build_messages
from tinyagent.planner.run import PlanRun, PlanStats, Refusal

__all__ = ["Example", "ExampleRetriever", "GenerationConfig", "GenerationStats", "PlanRun", "PlanStats", "Planner",
           "PlannerBackend", "Refusal", "Selection", "ToolSelector", "build_messages", "default_planner_gguf",
           "generate", "make_backend", "plan_grammar", "replan_context"]
