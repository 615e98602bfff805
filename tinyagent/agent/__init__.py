"""The agent: ToolRAG selection, a plan streamed into the parallel executor, a joiner, replans.

Example:
    >>> from tinyagent.agent import parse_decision
    >>> parse_decision('Action: Finish("Done")').text
    'Done'
"""
from tinyagent.agent.joiner import JoinDecision, Joiner, Refusal, fallback_decision, parse_decision
from tinyagent.agent.loop import Agent, AgentResult, RoundResult
from tinyagent.agent.scripted import ScriptedBackend
from tinyagent.agent.stream import PlanStream

__all__ = ["Agent", "AgentResult", "JoinDecision", "Joiner", "PlanStream", "Refusal", "RoundResult",
           "ScriptedBackend", "fallback_decision", "parse_decision"]
