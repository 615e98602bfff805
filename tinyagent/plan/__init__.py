"""The LLMCompiler plan language: types, parser (batch and streaming), renderer and validator.

Example:
    >>> from tinyagent.plan import check_plan
    >>> check_plan('1. get_email_address("Sid")\\n2. join()<END_OF_PLAN>')
    []
"""
from tinyagent.plan.parser import StreamingPlanParser, parse_call, parse_plan
from tinyagent.plan.refs import find_refs, substitute, whole_ref
from tinyagent.plan.render import render_literal, render_plan, render_task
from tinyagent.plan.types import END_OF_PLAN, ISSUE_CODES, JOIN, Plan, PlanError, PlanIssue, Task
from tinyagent.plan.validate import check_plan, load_plan, validate_plan

__all__ = ["END_OF_PLAN", "ISSUE_CODES", "JOIN", "Plan", "PlanError", "PlanIssue", "StreamingPlanParser", "Task",
           "check_plan", "find_refs", "load_plan", "parse_call", "parse_plan", "render_literal", "render_plan",
           "render_task", "substitute", "validate_plan", "whole_ref"]
