"""GBNF grammar of valid plans for a tool selection, for grammar-constrained decoding.

`plan_grammar(tools)` accepts exactly the plans the parser reads and the validator passes on
syntax, tool names, arity, literal types and allowed choices: numbered lines `N. tool(args)` with
N = 1, 2, 3, ... (at most `max_tasks` calls, so decoding cannot loop forever), positional
literals written as `render_plan` writes them (`", "` between arguments, strings in double quotes
with JSON escapes), optional trailing arguments omitted or `None`, optional `Thought: ...` lines
before each call, then `join()<END_OF_PLAN>`. A reference `$N` may stand for any whole argument
(`"$1"`) and appear inside strings; task k may only name tasks 1..k-1 (no forward, self or
dangling references), written `$N` or `${N}`; `$$` is a literal dollar. Strings, lists, numbers
and Thought lines are bounded in length. The same text works with llama.cpp
(`LlamaGrammar.from_string`) and xgrammar (transformers backend).

Example:
    >>> from tinyagent.tools import ASSISTANT_TOOLS
    >>> g = plan_grammar(ASSISTANT_TOOLS.subset(["get_phone_number"]), max_tasks=2)
    >>> g.splitlines()[0]
    'root ::= step1'
    >>> [line for line in g.splitlines() if line.startswith("call1")]
    ['call1 ::= tool-get-phone-number-0-1']
"""
from __future__ import annotations

import json
import re

from tinyagent.plan.types import END_OF_PLAN
from tinyagent.tools.catalog import ToolCatalog, ToolParam, ToolSpec

MAX_TASKS = 10  # default bound on tool calls per plan
MAX_STRING_CHARS = 200  # default bound on one string literal (an escape or `$$` counts as one)
MAX_LIST_ITEMS = 10  # default bound on the items of one list or dict
MAX_THOUGHT_CHARS = 200  # a Thought line longer than this cannot be generated
MAX_REF_RUN = 3  # at most this many references back to back inside a string ("$1$2$3")

# Shared rules. `seg` is one unit of string content; `seg-nd` the same but not starting with a digit
# (it must follow a `$N` reference, or "$1" + "2" would read as "$12").
_COMMON = r'''
seg ::= [^"\\$\x00-\x1f] | "\\" ["\\bfnrt] | "\\u" hex hex hex hex | "$$"
seg-nd ::= [^"\\$0-9\x00-\x1f] | "\\" ["\\bfnrt] | "\\u" hex hex hex hex | "$$"
hex ::= [0-9a-fA-F]
int ::= "-"? ("0" | [1-9] [0-9]{0,17})
float ::= int ("." [0-9]{1,17})? ([eE] [-+]? [0-9]{1,3})?
bool ::= "True" | "False"
'''


def _rule_name(tool: str) -> str:
    return "tool-" + re.sub(r"[^a-zA-Z0-9]+", "-", tool).strip("-").lower()


def _ref_rules(k: int, max_chars: int, max_items: int) -> list[str]:
    """Strings, lists and values for task k: references may name tasks 1..k-1 only."""
    chars = f"{{0,{max_chars}}}"
    more = f"{{0,{max_items - 1}}}"
    if k == 1:
        rules = [f'str1 ::= "\\"" seg{chars} "\\""']
    else:
        refs = " | ".join(f'"{i}"' for i in range(k - 1, 0, -1))  # longest first: "12" before "1"
        rules = [f"ref{k} ::= {refs}",
                 f'bare{k} ::= ("$" ref{k}){{1,{MAX_REF_RUN}}}',  # `$N`: no digit may follow
                 f'brace{k} ::= "${{" ref{k} "}}"',
                 f'str{k} ::= "\\"" (seg | brace{k} | bare{k} (seg-nd | brace{k})){chars} bare{k}? "\\""',
                 f'whole{k} ::= "\\"$" ref{k} "\\"" | "\\"${{" ref{k} "}}\\""']
    return rules + [
        f'liststr{k} ::= "[" (str{k} (", " str{k}){more})? "]"',
        f'value{k} ::= str{k} | float | bool | "None" | list{k} | dict{k}',
        f'list{k} ::= "[" (value{k} (", " value{k}){more})? "]"',
        f'dict{k} ::= "{{" (str{k} ": " value{k} (", " str{k} ": " value{k}){more})? "}}"',
    ]


def _param_expr(p: ToolParam, k: int) -> str:
    """GBNF expression for one argument of type `p.type` in task k."""
    whole = f" | whole{k}" if k > 1 else ""
    if p.choices:
        options = [json.dumps(c) if isinstance(c, str) else repr(c) for c in p.choices]
        if not p.required and p.type == "str":
            options.append('""')  # the validator accepts "" for an optional choice
        expr = " | ".join(json.dumps(o) for o in options)
    else:
        expr = {"str": f"str{k}", "int": "int", "float": "float", "bool": "bool", "list[str]": f"liststr{k}",
                "list": f"list{k}", "dict": f"dict{k}", "any": f"value{k}"}[p.type]
        whole = whole if p.type != "str" and p.type != "any" else ""  # str{k} already allows "$N"
    none = ' | "None"' if not p.required and p.type != "any" else ""
    return f"({expr}{whole}{none})"


def _args_expr(spec: ToolSpec, k: int) -> str:
    """Positional arguments: the required ones, then optional ones that may stop at any point."""
    exprs = [_param_expr(p, k) for p in spec.params]
    n_req = spec.min_arity
    if n_req == 0:  # no required argument: the first optional one has no leading comma
        if not exprs:
            return ""
        return f"({exprs[0]}{_optional_tail(exprs[1:])})?"
    return ' ", " '.join(exprs[:n_req]) + _optional_tail(exprs[n_req:])


def _optional_tail(exprs: list[str]) -> str:
    """Nested optionals, so arguments can stop at any point: (", " a (", " b)?)?"""
    tail = ""
    for e in reversed(exprs):
        tail = f' (", " {e}{tail})?'
    return tail


def plan_grammar(tools: ToolCatalog, *, max_tasks: int = MAX_TASKS, max_string_chars: int = MAX_STRING_CHARS,
                 max_list_items: int = MAX_LIST_ITEMS, thoughts: bool = True) -> str:
    """GBNF for plans calling only `tools`, with 1..max_tasks calls; see the module docstring.

    Every string, list and Thought line is bounded too, so a constrained model must reach
    `join()<END_OF_PLAN>` within a bounded number of tokens instead of looping inside a literal.
    """
    if not isinstance(tools, ToolCatalog):
        raise TypeError(f"tools must be a ToolCatalog, got {type(tools).__name__}")
    if len(tools) == 0:
        raise ValueError("cannot build a plan grammar for an empty tool selection")
    for name, value in (("max_tasks", max_tasks), ("max_string_chars", max_string_chars),
                        ("max_list_items", max_list_items)):
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    th = "thought? " if thoughts else ""
    end = json.dumps(END_OF_PLAN)
    lines = ["root ::= step1"]
    for k in range(1, max_tasks + 1):
        nxt = f" (step{k + 1} | end{k + 1})" if k < max_tasks else f" end{k + 1}"
        lines.append(f'step{k} ::= {th}"{k}. " call{k} "\\n"{nxt}')
        lines.append(f'end{k + 1} ::= {th}"{k + 1}. join()" {end}')
        names = [f"{_rule_name(s.name)}-{i}-{k}" for i, s in enumerate(tools)]  # index: names stay unique
        lines.append(f"call{k} ::= " + " | ".join(names))
        for spec, name in zip(tools, names):
            parts = [json.dumps(spec.name + "("), _args_expr(spec, k), '")"']
            lines.append(f"{name} ::= " + " ".join(p for p in parts if p))
        lines.extend(_ref_rules(k, max_string_chars, max_list_items))
    if thoughts:
        lines.append(f'thought ::= "Thought: " [^\\n]{{1,{MAX_THOUGHT_CHARS}}} "\\n"')
    return "\n".join(lines) + "\n" + _COMMON.strip() + "\n"
