"""Tools written as plain Python functions: type hints + docstring -> `ToolSpec`, grouped in a registry.

A function becomes a tool when registered with `ToolRegistry.tool` (or marked with the module-level
`tool` decorator and collected by `registry_from_module`). Its name is the tool name, the docstring's
text before `Args:` its description, the `Args:` entries its parameter descriptions, and its type
hints its parameter types:

    str, int, float, bool, list[str]  -> the same catalog type
    Literal["a", "b"] (or of ints)    -> str (int) with those choices
    X | None, Optional[X]             -> X, optional (None when omitted)
    a default value                   -> optional, with that default

Anything else (dict[str, Any], a custom class, *args, **kwargs, keyword-only parameters, a missing
hint or docstring) raises `ToolDefinitionError` naming the function and the parameter. Parameters
are positional in plans, so an optional parameter may not come before a required one.

Example:
    >>> from typing import Literal
    >>> tools = ToolRegistry()
    >>> @tools.tool(app="lights", side_effect=True)
    ... def set_light(room: str, on: bool, color: Literal["warm", "cold"] = "warm") -> str:
    ...     '''Switch a light.
    ...
    ...     Args:
    ...         room: Room of the light.
    ...         on: True to switch it on.
    ...         color: Colour temperature.
    ...     '''
    ...     return f"{room} {'on' if on else 'off'} ({color})"
    >>> spec = tools.catalog["set_light"]
    >>> spec.signature(), spec.app, spec.side_effects, spec.params[2].choices, spec.params[2].default
    ('set_light(room: str, on: bool, color: str) -> str', 'lights', True, ('warm', 'cold'), 'warm')
"""
from __future__ import annotations

import inspect
import keyword
import types
import typing
from dataclasses import dataclass
from typing import Any, Callable, Literal, Union

from tinyagent.tools.catalog import ToolCatalog, ToolParam, ToolSpec
from tinyagent.tools.docstring import parse_docstring

DEFAULT_APP = "tools"  # app of tools registered without one
MARK = "__tinyagent_tool__"  # attribute the module-level `tool` decorator sets
_SIMPLE: dict[Any, str] = {str: "str", int: "int", float: "float", bool: "bool"}
SUPPORTED = "str, int, float, bool, list[str], Literal[...] of str or int, X | None / Optional[X]"


class ToolDefinitionError(TypeError):
    """A function cannot be a tool; the message names the function and the parameter."""


def _is_optional(hint: Any) -> tuple[bool, Any]:
    """(True, X) for `X | None` / Optional[X] / Union[X, None]; (False, hint) otherwise."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(hint)) == 2:
            return True, args[0]
    return False, hint


def annotation_type(hint: Any, where: str) -> tuple[str, tuple[Any, ...], bool]:
    """(catalog type, choices, optional) of one type hint; ToolDefinitionError naming `where` if unsupported.

    >>> annotation_type(Literal["d", "w"] | None, "f(mode)")
    ('str', ('d', 'w'), True)
    """
    optional, hint = _is_optional(hint)
    if hint in _SIMPLE:
        return _SIMPLE[hint], (), optional
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is list and args == (str,):
        return "list[str]", (), optional
    if origin is Literal and args:
        kinds = {type(a) for a in args}
        if kinds in ({str}, {int}):
            return _SIMPLE[kinds.pop()], tuple(args), optional
        raise ToolDefinitionError(f"{where}: Literal values must all be str or all int, got {list(args)!r}")
    shown = getattr(hint, "__name__", None) if isinstance(hint, type) else None
    raise ToolDefinitionError(f"{where}: unsupported type {shown or hint!r}; supported: {SUPPORTED}")


def _return_type(hint: Any, where: str) -> str:
    if hint is inspect.Signature.empty:
        return "any"
    if hint is None or hint is type(None):
        return "None"
    kind, _, optional = annotation_type(hint, f"{where} return")
    return kind + (" | None" if optional else "")


def _fits(value: Any, kind: str) -> bool:
    if kind == "list[str]":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, {"str": str, "bool": bool}[kind])


def _param(fn_name: str, p: inspect.Parameter, hint: Any, doc: dict[str, str]) -> ToolParam:
    where = f"tool {fn_name!r}, parameter {p.name!r}"
    if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
        star = "*" if p.kind == p.VAR_POSITIONAL else "**"
        raise ToolDefinitionError(f"{where}: {star}{p.name} is not supported; plans pass a fixed list of "
                                  "positional arguments (use a list[str] parameter)")
    if p.kind == p.KEYWORD_ONLY:
        raise ToolDefinitionError(f"{where}: keyword-only parameters are not supported; plans pass "
                                  "arguments by position")
    if hint is inspect.Parameter.empty:
        raise ToolDefinitionError(f"{where}: needs a type hint ({SUPPORTED})")
    kind, choices, optional = annotation_type(hint, where)
    has_default = p.default is not inspect.Parameter.empty
    default = p.default if has_default else None
    if default is not None and not (_fits(default, kind) and (not choices or default in choices)):
        raise ToolDefinitionError(f"{where}: default {default!r} does not fit its type {kind}"
                                  + (f" with choices {list(choices)}" if choices else ""))
    return ToolParam(p.name, kind, doc.get(p.name, ""), not (optional or has_default), choices, default)


def spec_from_function(fn: Callable[..., Any], *, app: str = DEFAULT_APP, side_effect: bool = False,
                       name: str | None = None) -> ToolSpec:
    """The `ToolSpec` of a plain function (see the module docstring); ToolDefinitionError when it cannot be one."""
    tool_name = name or getattr(fn, "__name__", "")
    if not tool_name.isidentifier() or keyword.iskeyword(tool_name):
        raise ToolDefinitionError(f"tool name {tool_name!r} is not a Python identifier")
    doc = inspect.getdoc(fn)
    if not doc:
        raise ToolDefinitionError(f"tool {tool_name!r}: needs a docstring (its first lines describe the tool "
                                  "to the planner; an Args: section describes the parameters)")
    description, param_docs = parse_docstring(doc)
    try:
        hints = typing.get_type_hints(fn)
    except Exception as exc:  # a hint naming something undefined
        raise ToolDefinitionError(f"tool {tool_name!r}: cannot resolve its type hints: {exc}") from None
    signature = inspect.signature(fn)
    unknown = set(param_docs) - set(signature.parameters)
    if unknown:
        raise ToolDefinitionError(f"tool {tool_name!r}: docstring documents unknown parameters {sorted(unknown)}")
    params = tuple(_param(tool_name, p, hints.get(p.name, p.annotation), param_docs)
                   for p in signature.parameters.values())
    for before, after in zip(params, params[1:]):
        if after.required and not before.required:
            raise ToolDefinitionError(f"tool {tool_name!r}, parameter {after.name!r}: a required parameter "
                                      f"cannot follow the optional {before.name!r} (plans pass arguments by position)")
    returns = _return_type(hints.get("return", signature.return_annotation), f"tool {tool_name!r}")
    return ToolSpec(tool_name, description, params, app, side_effect, returns)


@dataclass(frozen=True)
class Registered:
    """One registered tool: its spec and the function that runs it."""

    spec: ToolSpec
    function: Callable[..., Any]


class ToolRegistry:
    """An ordered set of function tools; `catalog` is their `ToolCatalog`, `functions` name -> callable."""

    def __init__(self, default_app: str = DEFAULT_APP) -> None:
        self.default_app = default_app
        self._entries: dict[str, Registered] = {}

    def add(self, fn: Callable[..., Any], *, app: str | None = None, side_effect: bool = False,
            name: str | None = None) -> ToolSpec:
        """Register `fn` as a tool; ToolDefinitionError for a bad definition or a name taken twice."""
        spec = spec_from_function(fn, app=app or self.default_app, side_effect=side_effect, name=name)
        if spec.name in self._entries:
            raise ToolDefinitionError(f"tool {spec.name!r} is registered twice")
        ToolCatalog((*self.catalog.specs, spec))  # the catalog's own checks (reserved names)
        self._entries[spec.name] = Registered(spec, fn)
        return spec

    def tool(self, fn: Callable[..., Any] | None = None, *, app: str | None = None, side_effect: bool = False,
             name: str | None = None) -> Any:
        """Decorator, bare (`@reg.tool`) or with options (`@reg.tool(app="lights", side_effect=True)`);
        returns the function unchanged."""
        def register(f: Callable[..., Any]) -> Callable[..., Any]:
            self.add(f, app=app, side_effect=side_effect, name=name)
            return f
        return register(fn) if fn is not None else register

    @property
    def catalog(self) -> ToolCatalog:
        return ToolCatalog(tuple(e.spec for e in self._entries.values()))

    @property
    def functions(self) -> dict[str, Callable[..., Any]]:
        return {n: e.function for n, e in self._entries.items()}

    def __len__(self) -> int:
        return len(self._entries)


def tool(fn: Callable[..., Any] | None = None, *, app: str | None = None, side_effect: bool = False,
         name: str | None = None) -> Any:
    """Mark a module-level function as a tool (collected by `registry_from_module`, in definition order).

    >>> @tool(app="notes")
    ... def word_count(text: str) -> int:
    ...     '''Count the words of a text.'''
    ...     return len(text.split())
    >>> getattr(word_count, MARK)
    {'app': 'notes', 'side_effect': False, 'name': None}
    """
    def mark(f: Callable[..., Any]) -> Callable[..., Any]:
        setattr(f, MARK, {"app": app, "side_effect": side_effect, "name": name})
        return f
    return mark(fn) if fn is not None else mark


def registry_from_module(module: types.ModuleType) -> ToolRegistry:
    """The module's `ToolRegistry` (a module attribute; exactly one), else a registry of its
    `@tool`-marked functions in definition order; ToolDefinitionError when it has neither."""
    registries = [v for v in vars(module).values() if isinstance(v, ToolRegistry)]
    if len(registries) > 1:
        raise ToolDefinitionError(f"module {module.__name__!r} holds {len(registries)} ToolRegistry objects; "
                                  "keep one")
    if registries:
        return registries[0]
    registry = ToolRegistry()
    for value in vars(module).values():
        options = getattr(value, MARK, None) if callable(value) else None
        if options is not None:
            registry.add(value, **options)
    if not len(registry):
        raise ToolDefinitionError(f"module {module.__name__!r} defines no tools: register functions with a "
                                  "ToolRegistry or mark them with @tinyagent.tools.functions.tool")
    return registry
