"""OpenAI JSON tool schemas <-> `ToolCatalog`: the one converter, both directions.

`tool_schema(spec)` writes a `{"type": "function", "function": {...}}` entry; `catalog_from_json_schemas`
reads such entries (or bare function objects) back. App, side effects and return type are not part of
an OpenAI schema: `tool_schema(spec, extensions=True)` adds them under the function's `"x-tinyagent"`
key (how custom catalogs travel inside records, so they read back exactly); without it, tools read
back get the `app` and `side_effects` passed to `catalog_from_json_schemas` (by default app
`EXTERNAL_APP` and no side effects). Parameter order is the order of `properties`; a parameter's
`"default"` is kept.

Example:
    >>> from tinyagent.tools import ASSISTANT_TOOLS
    >>> cat = catalog_from_json_schemas(catalog_schemas(ASSISTANT_TOOLS))
    >>> cat["send_sms"].signature() == ASSISTANT_TOOLS["send_sms"].signature()
    True
    >>> cat["maps_show_directions"].params[2].choices
    ('d', 'w', 'r')
    >>> exact = catalog_from_json_schemas(catalog_schemas(ASSISTANT_TOOLS, extensions=True))
    >>> exact == ASSISTANT_TOOLS
    True
"""
from __future__ import annotations

from typing import Any, Iterable

from tinyagent.tools.catalog import ToolCatalog, ToolParam, ToolSpec

EXTERNAL_APP = "external"  # app of tools rebuilt from schemas (not one of the assistant's apps)
EXTENSION_KEY = "x-tinyagent"  # function-level key holding app, side_effects and returns

_JSON_TYPES: dict[str, dict[str, Any]] = {  # our parameter type -> JSON schema
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "list[str]": {"type": "array", "items": {"type": "string"}},
    "list": {"type": "array"},
    "dict": {"type": "object"},
    "any": {},
}
_OUR_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "object": "dict"}


class SchemaError(ValueError):
    """A JSON tool schema cannot be read; the message names the tool and parameter."""


def tool_schema(spec: ToolSpec, *, extensions: bool = False) -> dict[str, Any]:
    """OpenAI `tools` entry (`{"type": "function", "function": {...}}`) of one tool; `extensions`
    adds `"x-tinyagent": {"app", "side_effects", "returns"}` to the function object."""
    properties = {}
    for p in spec.params:
        prop = dict(_JSON_TYPES[p.type], description=p.description)
        if p.choices:
            prop["enum"] = list(p.choices)
        if p.default is not None:
            prop["default"] = p.default
        properties[p.name] = prop
    function: dict[str, Any] = {
        "name": spec.name,
        "description": spec.description,
        "parameters": {
            "type": "object",
            "properties": properties,
            "required": [p.name for p in spec.params if p.required],
        },
    }
    if extensions:
        function[EXTENSION_KEY] = {"app": spec.app, "side_effects": spec.side_effects, "returns": spec.returns}
    return {"type": "function", "function": function}


def catalog_schemas(catalog: Iterable[ToolSpec], *, extensions: bool = False) -> list[dict[str, Any]]:
    """OpenAI `tools` list for every tool of `catalog`, in catalog order (see `tool_schema`)."""
    return [tool_schema(s, extensions=extensions) for s in catalog]


def _param_type(name: str, schema: dict[str, Any], where: str) -> str:
    kind = schema.get("type")
    if kind is None:
        return "any"
    if kind == "array":
        return "list[str]" if (schema.get("items") or {}).get("type") == "string" else "list"
    if kind not in _OUR_TYPES:
        raise SchemaError(f"{where}: parameter {name!r} has JSON type {kind!r}; expected one of "
                          f"{sorted(_OUR_TYPES) + ['array']}")
    return _OUR_TYPES[kind]


def _spec(n: int, entry: Any, app: str, side_effects: frozenset[str]) -> ToolSpec:
    fn = entry.get("function", entry) if isinstance(entry, dict) else None
    if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
        raise SchemaError(f"tool schema {n}: expected an object with a 'name' (or 'function.name')")
    where = f"tool schema {fn['name']!r}"
    params_schema = fn.get("parameters") or {}
    required = set(params_schema.get("required", []))
    params = tuple(ToolParam(pname, _param_type(pname, pschema, where), pschema.get("description", ""),
                             pname in required, tuple(pschema.get("enum", ())), pschema.get("default"))
                   for pname, pschema in (params_schema.get("properties") or {}).items())
    ext = fn.get(EXTENSION_KEY) or {}
    if not isinstance(ext, dict) or not set(ext) <= {"app", "side_effects", "returns"}:
        raise SchemaError(f"{where}: {EXTENSION_KEY!r} must be an object with keys app, side_effects, returns; "
                          f"got {ext!r}")
    return ToolSpec(fn["name"], fn.get("description", ""), params, str(ext.get("app", app)),
                    bool(ext.get("side_effects", fn["name"] in side_effects)), str(ext.get("returns", "str")))


def catalog_from_json_schemas(schemas: Iterable[dict[str, Any]], *, app: str = EXTERNAL_APP,
                              side_effects: Iterable[str] = ()) -> ToolCatalog:
    """A ToolCatalog from OpenAI `tools` entries (`{"type": "function", "function": {...}}` or the bare
    function object); SchemaError naming the tool when one cannot be read.

    Tools without an `"x-tinyagent"` key get app `app`, and side effects when named in `side_effects`."""
    marked = frozenset(side_effects)
    specs = tuple(_spec(n, entry, app, marked) for n, entry in enumerate(schemas))
    unknown = marked - {s.name for s in specs}
    if unknown:
        raise SchemaError(f"side_effects names tools not in the schemas: {sorted(unknown)}")
    try:
        return ToolCatalog(specs)
    except ValueError as exc:
        raise SchemaError(f"tool schemas: {exc}") from None
