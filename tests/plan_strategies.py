"""Hypothesis strategies for valid plans over a catalog (shared by plan, metric and executor tests).

Usage: from tests.plan_strategies import valid_plans; @given(valid_plans())
"""
from hypothesis import strategies as st

from tinyagent.plan import Plan, Task
from tinyagent.plan.refs import escape_literal
from tinyagent.tools import ASSISTANT_TOOLS, ToolCatalog

TEXT = st.text(max_size=20).map(escape_literal)  # literal text: a stray "$3" would be a reference


def _value(param_type, refs):
    ref = st.sampled_from([f"${r}" for r in refs] + [f"${{{r}}}" for r in refs]) if refs else st.nothing()
    text = st.one_of(TEXT, ref, st.builds(lambda a, r: f"{a} {r}", TEXT, ref))
    return {
        "str": text,
        "int": st.integers(-10**6, 10**6),
        "float": st.floats(allow_nan=False),
        "bool": st.booleans(),
        "list[str]": st.lists(st.one_of(TEXT, ref), max_size=3),
        "list": st.lists(st.one_of(TEXT, st.integers()), max_size=3),
        "dict": st.dictionaries(TEXT, st.integers(), max_size=2),
        "any": st.one_of(TEXT, st.integers(), st.none()),
    }[param_type]


@st.composite
def valid_plans(draw, catalog: ToolCatalog = ASSISTANT_TOOLS, max_tasks: int = 6) -> Plan:
    """Plans that pass validate_plan(plan, catalog): known tools, right arity and types, backward refs."""
    n = draw(st.integers(1, max_tasks))
    tasks = []
    for idx in range(1, n + 1):
        spec = draw(st.sampled_from(catalog.specs))
        arity = draw(st.integers(spec.min_arity, spec.max_arity))
        refs = list(range(1, idx))
        args = tuple(draw(_value(p.type, refs)) if not p.choices else draw(st.sampled_from(p.choices))
                     for p in spec.params[:arity])
        thought = draw(st.none() | st.from_regex(r"[A-Za-z ,.]{0,30}", fullmatch=True).map(str.strip))
        tasks.append(Task(idx, spec.name, args, thought=thought or None))
    return Plan(tuple(tasks), has_join=True)
