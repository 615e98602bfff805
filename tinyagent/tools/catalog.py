"""The tool registry: one source of truth for names, argument order, types, apps and side effects.

The prompt builder, plan parser and validator, grammar, ToolRAG labels and executors all read a
`ToolCatalog`. `tinyagent.tools.ASSISTANT_TOOLS` holds the 16 assistant tools of the reference
design; other catalogs (for example NesTools' per-record APIs) are built with `ToolCatalog(specs)`.

Example:
    >>> from tinyagent.tools import ASSISTANT_TOOLS
    >>> ASSISTANT_TOOLS["send_sms"].signature()
    'send_sms(recipients: list[str], message: str) -> str'
    >>> ASSISTANT_TOOLS.label_index("summarize_pdf")
    4
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Literal

ParamType = Literal["str", "int", "float", "bool", "list[str]", "list", "dict", "any"]
PARAM_TYPES: tuple[str, ...] = ("str", "int", "float", "bool", "list[str]", "list", "dict", "any")

APPS: tuple[str, ...] = (
    "calendar", "contacts", "files", "mail", "maps", "notes", "reminders", "sms", "zoom",
)


@dataclass(frozen=True)
class ToolParam:
    """One positional parameter of a tool."""

    name: str  # as in the reference implementation's signature
    type: ParamType  # one of PARAM_TYPES
    description: str  # shown to the planner
    required: bool = True  # optional parameters may be omitted (trailing) or passed as None
    choices: tuple[Any, ...] = ()  # allowed literal values, empty = any value of `type`
    default: Any = None  # value an omitted optional parameter takes (None: the tool's own default)

    def __post_init__(self) -> None:
        if self.type not in PARAM_TYPES:
            raise ValueError(f"parameter {self.name!r}: unknown type {self.type!r}; use one of {PARAM_TYPES}")


@dataclass(frozen=True)
class ToolSpec:
    """A tool the planner may call: positional parameters, its app, and whether it changes the world."""

    name: str  # function name the planner writes
    description: str  # one or two sentences for the prompt
    params: tuple[ToolParam, ...]  # positional order matters
    app: str  # the app a user can switch on or off
    side_effects: bool  # sends, creates or modifies something: ask before running
    returns: str = "str"  # every reference tool returns a string

    @property
    def min_arity(self) -> int:
        """Number of leading required parameters."""
        n = 0
        for p in self.params:
            if not p.required:
                break
            n += 1
        return n

    @property
    def max_arity(self) -> int:
        return len(self.params)

    def signature(self) -> str:
        """Python-style signature, as shown in prompts."""
        args = ", ".join(f"{p.name}: {p.type}" for p in self.params)
        return f"{self.name}({args}) -> {self.returns}"

    def json_schema(self) -> dict[str, Any]:
        """OpenAI `tools` entry; see `tinyagent.tools.schema.tool_schema` (the one converter)."""
        from tinyagent.tools.schema import tool_schema  # schema builds on this module
        return tool_schema(self)


@dataclass(frozen=True)
class ToolCatalog:
    """An ordered, name-indexed set of tools. Order defines ToolRAG label indices."""

    specs: tuple[ToolSpec, ...]
    _by_name: dict[str, ToolSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, ToolSpec] = {}
        for spec in self.specs:
            if spec.name in by_name:
                raise ValueError(f"duplicate tool name {spec.name!r} in catalog")
            if spec.name == "join":
                raise ValueError("'join' is reserved for the end of a plan and cannot be a tool name")
            by_name[spec.name] = spec
        object.__setattr__(self, "_by_name", by_name)

    def __getitem__(self, name: str) -> ToolSpec:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"unknown tool {name!r}; known tools: {', '.join(self.names)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[ToolSpec]:
        return iter(self.specs)

    def __len__(self) -> int:
        return len(self.specs)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.specs)

    def label_index(self, name: str) -> int:
        """Position of a tool in the catalog: its ToolRAG label id."""
        return self.names.index(self[name].name)

    def subset(self, names: Iterable[str]) -> "ToolCatalog":
        """The tools named, in catalog order (unknown names raise KeyError)."""
        wanted = {self[n].name for n in names}
        return ToolCatalog(tuple(s for s in self.specs if s.name in wanted))

    def for_apps(self, apps: Iterable[str]) -> "ToolCatalog":
        """The tools of the enabled apps."""
        enabled = set(apps)
        unknown = enabled - {s.app for s in self.specs}
        if unknown:
            raise ValueError(f"unknown apps {sorted(unknown)}; known apps: {sorted({s.app for s in self.specs})}")
        return ToolCatalog(tuple(s for s in self.specs if s.app in enabled))

    def json_schemas(self) -> list[dict[str, Any]]:
        """OpenAI `tools` list for every tool in the catalog (`tinyagent.tools.schema.catalog_schemas`)."""
        from tinyagent.tools.schema import catalog_schemas
        return catalog_schemas(self)
