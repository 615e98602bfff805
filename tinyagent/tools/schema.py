"""OpenAI JSON tool schemas <-> `ToolCatalog`: the one converter, both directions.

`tool_schema(spec)` writes a `{"type": "function", "function": {...}}` entry; `catalog_from_json_schemas`
reads such entries (or bare function objects) back. App and side effects are not in a schema: tools
read back get app `EXTERNAL_APP` and no side effects. Parameter order is the order of `properties`.

Example:
    >>> from tinyagent.tools import ASSISTANT_TOOLS
    >>> cat = catalog_from_json_schemas(catalog_schemas(ASSISTANT_TOOLS))
    >>> cat["send_sms"].signature() == ASSISTANT_TOOLS["send_sms"].signature()
    True
    >>> cat["maps_show_directions"].params[2].choices
    ('d', 'w', 'r')
"""
from __future__ import annotations

from typing import Any, Iterable

from tinyagent.tools.catalog import ToolCatalog, ToolParam, ToolSpec

EXTERNAL_APP = "external"  # app of tools rebuilt from schemas (not one of the assistant's apps)

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


def tool_schema(spec: ToolSpec) -> dict[str, Any]:
    """OpenAI `tools` entry (`{"type": "function", "function": {...}}`) of one tool."""
    properties = {}
    for p in spec.params:
        prop = dict(_JSON_TYPES[p.type], description=p.description)
        if p.choices:
            prop["enum"] = list(p.choices)
        properties[p.name] = prop
    return {
        "type": "function",
        "function": {
            "name": spec.name,
            "description": spec.description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": [p.name for p in spec.params if p.required],
            },
        },
    }


def catalog_schemas(catalog: Iterable[ToolSpec]) -> list[dict[str, Any]]:
    """OpenAI `tools` list for every tool of `catalog`, in catalog order."""
    return [tool_schema(s) for s in catalog]


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


def _spec(n: int, entry: Any) -> ToolSpec:
    fn = entry.get("function", entry) if isinstance(entry, dict) else None
    if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
        raise SchemaError(f"tool schema {n}: expected an object with a 'name' (or 'function.name')")
    where = f"tool schema {fn['name']!r}"
    params_schema = fn.get("parameters") or {}
    required = set(params_schema.get("required", []))
    params = tuple(ToolParam(pname, _param_type(pname, pschema, where), pschema.get("description", ""),
                             pname in required, tuple(pschema.get("enum", ())))
                   for pname, pschema in (params_schema.get("properties") or {}).items())
    return ToolSpec(fn["name"], fn.get("description", ""), params, EXTERNAL_APP, False)


def catalog_from_json_schemas(schemas: Iterable[dict[str, Any]]) -> ToolCatalog:
    """A ToolCatalog from OpenAI `tools` entries (`{"type": "function", "function": {...}}` or the bare
    function object); SchemaError naming the tool when one cannot be read."""
    specs = tuple(_spec(n, entry) for n, entry in enumerate(schemas))
    try:
        return ToolCatalog(specs)
    except ValueError as exc:
        raise SchemaError(f"tool schemas: {exc}") from None
