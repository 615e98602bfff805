"""The planner: prompt building, backends that stream plan text, plan grammars, token counting.

Example:
    >>> from tinyagent.planner import Example, GenerationConfig, build_messages, make_backend
    >>> GenerationConfig().stop
    ('<END_OF_PLAN>',)
"""
from tinyagent.planner.backends import GenerationConfig, GenerationStats, PlannerBackend, generate, make_backend
from tinyagent.planner.grammar import plan_grammar
from tinyagent.planner.models import default_planner_gguf
from tinyagent.planner.prompt import Example, build_messages

__all__ = ["Example", "GenerationConfig", "GenerationStats", "PlannerBackend", "build_messages",
           "default_planner_gguf", "generate", "make_backend", "plan_grammar"]
