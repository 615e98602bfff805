"""`PythonToolBackend`: a user's plain Python functions as a tool backend for the executor and agent.

It is an ordinary `ToolBackend`, so everything that runs the assistant's tools runs these too:
`execute_plan` / `run_tasks` give each call a worker thread of their pool, a per-call timeout (the
call's `CallToken` is cancelled, so tools guarding writes with `tinyagent.tools.cancel.commit` change
nothing afterwards) and `approve(task)` before every tool whose spec has side effects (the
terminal's `TerminalApproval`, the demo's `ApprovalGate`, or any callable). `run(plan)` does that
with the backend's own `timeout` and `max_workers`.

Per call it: checks the tool and arity against the catalog; fills omitted or None optional
arguments with the parameter's default (None when it has none); converts what a `$N` reference
brought into the parameter's type where that is lossless (3 -> 3.0 for float, 21.5 -> "21.5" for
str, a lone string -> [string] for list[str]); makes `workdir` the current state folder
(`tinyagent.tools.workdir`); and caps string outputs, also inside lists, at `MAX_TEXT_CHARS`.
Non-string results (numbers, lists) stay raw for `$N` and are shown as text.

Example:
    >>> import tempfile
    >>> from tinyagent.examples.home.tools import tools
    >>> from tinyagent.plan.parser import parse_plan
    >>> backend = PythonToolBackend(tools, workdir=tempfile.mkdtemp())
    >>> plan = parse_plan('1. find_device("bedroom lamp")\\n2. set_light("$1", True)\\n3. join()<END_OF_PLAN>')
    >>> [r.result for r in backend.run(plan).results]
    ['bedroom lamp', 'bedroom lamp turned on at 100%']
    >>> backend.run(plan, approve=lambda task: False).result(2).status
    'declined'
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from tinyagent.execute.executor import Approve, OnEvent, execute_plan
from tinyagent.execute.results import ExecutionReport
from tinyagent.plan.types import Plan
from tinyagent.tools.backend import ToolBackend, ToolError
from tinyagent.tools.catalog import ToolCatalog, ToolParam
from tinyagent.tools.functions import ToolRegistry
from tinyagent.tools.limits import cap_strings
from tinyagent.tools.loader import LoadedTools
from tinyagent.tools.workdir import use_workdir


def _convert(param: ToolParam, value: Any, tool: str) -> Any:
    """`value` in `param`'s type where the conversion loses nothing; ToolError naming the parameter else."""
    kind = param.type
    if kind == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind in ("float", "int") and isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise ToolError(f"{tool}: argument {param.name!r} must be a number, got {value!r}") from None
        if kind == "float":
            return number
        if number.is_integer():
            return int(number)
        raise ToolError(f"{tool}: argument {param.name!r} must be a whole number, got {value!r}")
    if kind == "str" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if kind == "list[str]" and isinstance(value, str):
        return [value]  # small models write one recipient without brackets
    if kind == "list[str]" and isinstance(value, (list, tuple)):
        return [_convert(ToolParam(param.name, "str", ""), v, tool) for v in value]
    return value


class PythonToolBackend(ToolBackend):
    """Runs the functions of `tools` (a ToolRegistry, LoadedTools, or name -> function plus `catalog`)."""

    name = "python"

    def __init__(self, tools: ToolRegistry | LoadedTools | Mapping[str, Callable[..., Any]],
                 catalog: ToolCatalog | None = None, *, workdir: str | Path, timeout: float = 30.0,
                 max_workers: int = 8) -> None:
        if isinstance(tools, (ToolRegistry, LoadedTools)):
            functions, catalog = tools.functions, catalog or tools.catalog
        else:
            functions = dict(tools)
        if functions is None:
            raise ValueError("these tools are JSON schemas only (no functions to run); load a Python module")
        if catalog is None:
            raise ValueError("PythonToolBackend needs a catalog when given a plain mapping of functions")
        missing = [n for n in catalog.names if n not in functions]
        if missing:
            raise ValueError(f"no function for the catalog's tools {missing}")
        self.functions = dict(functions)
        self.catalog = catalog
        self.workdir = Path(workdir)
        self.timeout = timeout
        self.max_workers = max_workers

    @classmethod
    def load(cls, source: str, workdir: str | Path, *, timeout: float = 30.0) -> "PythonToolBackend":
        """The functions of the tools module or .py file `source`, state kept in `workdir` (created):
        what `ask --tools` and the demo's `tools=` run. ValueError names a source that cannot load,
        or JSON schemas (nothing to run).

        >>> import tempfile
        >>> PythonToolBackend.load("tinyagent.examples.home.tools", tempfile.mkdtemp()).catalog.names[0]
        'list_devices'
        """
        from tinyagent.tools.loader import load_tools

        loaded = load_tools(source)  # CatalogLoadError (a ValueError) names the source
        if loaded.functions is None:
            raise ValueError(f"tools {source!r}: JSON schemas have no functions to run; give a Python module")
        Path(workdir).mkdir(parents=True, exist_ok=True)
        return cls(loaded, workdir=workdir, timeout=timeout)

    def arguments(self, tool: str, args: Sequence[Any]) -> list[Any]:
        """The full positional argument list the function receives (defaults filled in, types converted)."""
        spec = self.catalog[tool]
        out = []
        for i, param in enumerate(spec.params):
            value = args[i] if i < len(args) else None
            out.append(param.default if value is None else _convert(param, value, tool))
        return out

    def call(self, tool: str, args: Sequence[Any]) -> Any:
        """Run `tool` with positional `args` in the state folder; ToolError for unknown tools or wrong arity."""
        if tool not in self.catalog:
            raise ToolError(f"unknown tool {tool!r}; known tools: {', '.join(self.catalog.names)}")
        spec = self.catalog[tool]
        if not spec.min_arity <= len(args) <= spec.max_arity:
            raise ToolError(f"{tool} takes {spec.min_arity} to {spec.max_arity} arguments, got {len(args)}")
        with use_workdir(self.workdir):
            result = self.functions[tool](*self.arguments(tool, args))
        return cap_strings(result)

    def run(self, plan: Plan, *, approve: Approve | None = None, on_event: OnEvent | None = None) -> ExecutionReport:
        """Execute `plan` with this backend's timeout and worker threads; `approve` gates side effects."""
        return execute_plan(plan, self, timeout=self.timeout, approve=approve, max_workers=self.max_workers,
                            on_event=on_event)
