"""Tools from plain Python functions and OpenAI JSON schemas, into the one ToolCatalog and back."""
from __future__ import annotations

import json
import textwrap
from typing import Any, List, Literal, Optional

import pytest

from tinyagent.plan.validate import check_plan
from tinyagent.tools.catalog import ToolCatalog, ToolParam, ToolSpec
from tinyagent.tools.functions import (ToolDefinitionError, ToolRegistry, registry_from_module,
                                       spec_from_function, tool)
from tinyagent.tools.loader import CatalogLoadError, load_tools
from tinyagent.tools.schema import catalog_from_json_schemas, catalog_schemas


def every_type(name: str, count: int, ratio: float, loud: bool, tags: list[str], old_tags: List[str],
               mode: Literal["d", "w"], level: Literal[1, 5, 9], note: Optional[str] = None,
               alias: str | None = None, limit: int = 3, scale: float = 1.5, dry_run: bool = False,
               speed: Literal["slow", "fast"] = "slow") -> list[str]:
    """Do everything once.

    Longer explanation on a second paragraph.

    Args:
        name: Who it is for.
        count: How many
            times, continued.
        ratio (float): A fraction.
        loud: Shout or not.
        tags: Labels.
        old_tags: Labels, typing.List style.
        mode: 'd' or 'w'.
        level: Priority.
        note: Optional note.
        alias: Optional alias.
        limit: At most this many.
        scale: A factor.
        dry_run: Only pretend.
        speed: How fast.

    Returns:
        The labels.
    """
    return tags


EXPECTED_PARAMS = (
    ToolParam("name", "str", "Who it is for."),
    ToolParam("count", "int", "How many times, continued."),
    ToolParam("ratio", "float", "A fraction."),
    ToolParam("loud", "bool", "Shout or not."),
    ToolParam("tags", "list[str]", "Labels."),
    ToolParam("old_tags", "list[str]", "Labels, typing.List style."),
    ToolParam("mode", "str", "'d' or 'w'.", True, ("d", "w")),
    ToolParam("level", "int", "Priority.", True, (1, 5, 9)),
    ToolParam("note", "str", "Optional note.", False),
    ToolParam("alias", "str", "Optional alias.", False),
    ToolParam("limit", "int", "At most this many.", False, (), 3),
    ToolParam("scale", "float", "A factor.", False, (), 1.5),
    ToolParam("dry_run", "bool", "Only pretend.", False, (), False),
    ToolParam("speed", "str", "How fast.", False, ("slow", "fast"), "slow"),
)


def test_every_supported_annotation_loads_to_the_expected_spec():
    spec = spec_from_function(every_type, app="misc", side_effect=True)
    assert spec == ToolSpec("every_type", "Do everything once. Longer explanation on a second paragraph.",
                            EXPECTED_PARAMS, "misc", True, "list[str]")
    assert (spec.min_arity, spec.max_arity) == (8, 14)


def test_expected_openai_schema_of_the_function():
    fn = spec_from_function(every_type).json_schema()["function"]
    props = fn["parameters"]["properties"]
    assert props["tags"] == {"type": "array", "items": {"type": "string"}, "description": "Labels."}
    assert props["level"] == {"type": "integer", "description": "Priority.", "enum": [1, 5, 9]}
    assert props["speed"] == {"type": "string", "description": "How fast.", "enum": ["slow", "fast"],
                              "default": "slow"}
    assert props["scale"] == {"type": "number", "description": "A factor.", "default": 1.5}
    assert props["dry_run"] == {"type": "boolean", "description": "Only pretend.", "default": False}
    assert fn["parameters"]["required"] == ["name", "count", "ratio", "loud", "tags", "old_tags", "mode", "level"]
    assert "x-tinyagent" not in fn  # a plain OpenAI schema unless extensions are asked for


def test_catalog_to_openai_schema_to_catalog_round_trip():
    reg = ToolRegistry()
    reg.add(every_type, app="misc", side_effect=True)
    catalog = reg.catalog
    wire = json.loads(json.dumps(catalog_schemas(catalog, extensions=True)))  # through real JSON text
    assert catalog_from_json_schemas(wire) == catalog
    # A plain OpenAI schema keeps everything but app, side effects and return type; the caller names those.
    plain = catalog_from_json_schemas(json.loads(json.dumps(catalog.json_schemas())), app="misc",
                                      side_effects=["every_type"])
    assert plain["every_type"].params == EXPECTED_PARAMS
    assert (plain["every_type"].app, plain["every_type"].side_effects) == ("misc", True)


def test_function_catalog_drives_the_plan_validator():
    reg = ToolRegistry()
    assert reg.tool(app="m")(every_type) is every_type  # the decorator returns the function
    ok = '1. every_type("a", 2, 0.5, True, ["x"], [], "d", 5)\n2. join()<END_OF_PLAN>'
    bad = '1. every_type("a", 2, 0.5, True, ["x"], [], "r", 5)\n2. join()<END_OF_PLAN>'
    assert check_plan(ok, reg.catalog) == []
    assert [i.code for i in check_plan(bad, reg.catalog)] == ["bad_choice"]


def _fn(source: str) -> Any:
    namespace: dict[str, Any] = {"Any": Any, "Literal": Literal}
    exec(textwrap.dedent(source), namespace)
    return [v for v in namespace.values() if callable(v) and not isinstance(v, type)][-1]


@pytest.mark.parametrize("source, words", [
    ('def f(x: dict[str, Any]) -> str:\n    "Doc."\n', ["'f'", "'x'", "unsupported type"]),
    ('class Room: pass\ndef f(room: Room) -> str:\n    "Doc."\n', ["'f'", "'room'", "Room"]),
    ('def f(*names: str) -> str:\n    "Doc."\n', ["'f'", "'names'", "*names"]),
    ('def f(**opts: str) -> str:\n    "Doc."\n', ["'f'", "'opts'", "**opts"]),
    ('def f(a: str, *, b: str) -> str:\n    "Doc."\n', ["'f'", "'b'", "keyword-only"]),
    ('def f(x) -> str:\n    "Doc."\n', ["'f'", "'x'", "type hint"]),
    ('def f(x: list[int]) -> str:\n    "Doc."\n', ["'f'", "'x'", "unsupported"]),
    ('def f(x: int | str) -> str:\n    "Doc."\n', ["'f'", "'x'", "unsupported"]),
    ('def f(x: Literal["a", 1]) -> str:\n    "Doc."\n', ["'f'", "'x'", "Literal"]),
    ('def f(x: int = "3") -> str:\n    "Doc."\n', ["'f'", "'x'", "default"]),
    ('def f(x: str = "a", y: int = 0, z: str | None = None, w: str = "") -> str:\n    "Doc."\n', []),
    ('def f(x: str | None, y: int) -> str:\n    "Doc."\n', ["'f'", "'y'", "cannot follow"]),
    ('def f(x: str) -> dict[str, Any]:\n    "Doc."\n', ["'f'", "return", "unsupported"]),
    ('def f(x: str) -> str:\n    pass\n', ["'f'", "docstring"]),
    ('def f(x: str) -> str:\n    """Doc.\n\n    Args:\n        y: typo.\n    """\n', ["'f'", "'y'"]),
    ('def join(x: str) -> str:\n    "Doc."\n', ["join", "reserved"]),
])
def test_unsupported_definitions_raise_naming_function_and_parameter(source, words):
    fn = _fn(source)
    if not words:  # the one valid definition in the list: all optional
        assert ToolRegistry().add(fn).min_arity == 0
        return
    with pytest.raises((ToolDefinitionError, ValueError)) as err:
        ToolRegistry().add(fn)
    for word in words:
        assert word in str(err.value)


def test_duplicate_registration_is_refused():
    reg = ToolRegistry()
    reg.tool(every_type)
    with pytest.raises(ToolDefinitionError, match="registered twice"):
        reg.tool(every_type)


def test_module_level_marks_load_in_definition_order(tmp_path):
    path = tmp_path / "mytools.py"
    path.write_text(textwrap.dedent('''
        from typing import Literal
        from tinyagent.tools.functions import tool

        @tool(app="kitchen", side_effect=True)
        def brew(kind: Literal["tea", "coffee"], cups: int = 1) -> str:
            """Brew a hot drink.

            Args:
                kind: What to brew.
                cups: How many cups.
            """
            return f"{cups} x {kind}"

        @tool
        def weigh(item: str) -> float:
            """Weigh an item in grams."""
            return float(len(item))

        def helper(x):  # not a tool: unmarked
            return x
    '''))
    loaded = load_tools(str(path))
    assert loaded.catalog.names == ("brew", "weigh")
    assert loaded.catalog["brew"].app == "kitchen" and loaded.catalog["brew"].side_effects
    assert loaded.catalog["weigh"].returns == "float" and loaded.catalog["weigh"].app == "tools"
    assert loaded.functions["brew"]("tea", 2) == "2 x tea"


def test_json_schema_file_loads_without_functions(tmp_path):
    reg = ToolRegistry()
    reg.add(every_type, app="misc", side_effect=True)
    path = tmp_path / "tools.json"
    path.write_text(json.dumps({"tools": catalog_schemas(reg.catalog, extensions=True)}))
    loaded = load_tools(path)
    assert loaded.catalog == reg.catalog and loaded.functions is None


@pytest.mark.parametrize("source, words", [
    ("no_such_module_xyz.tools", ["no_such_module_xyz", "cannot import"]),
    ("/nonexistent/tools.py", ["no such file"]),
    ("", ["empty"]),
    ("json:[1]", None),
])
def test_bad_catalog_sources_raise_clearly(tmp_path, source, words):
    if words is None:
        path = tmp_path / "bad.json"
        path.write_text('[{"name": "f", "parameters": {"properties": {"x": {"type": "tuple"}}}}]')
        source, words = str(path), ["bad.json", "'x'", "tuple"]
    with pytest.raises(CatalogLoadError) as err:
        load_tools(source)
    for word in words:
        assert word in str(err.value)


def test_module_without_tools_is_refused():
    import types
    with pytest.raises(ToolDefinitionError, match="defines no tools"):
        registry_from_module(types.ModuleType("empty_mod"))


def test_assistant_schemas_unchanged_by_defaults_support():
    from tinyagent.tools import ASSISTANT_TOOLS
    assert all("default" not in p for e in ASSISTANT_TOOLS.json_schemas()
               for p in e["function"]["parameters"]["properties"].values())
    assert catalog_from_json_schemas(catalog_schemas(ASSISTANT_TOOLS, extensions=True)) == ASSISTANT_TOOLS
    assert isinstance(ASSISTANT_TOOLS, ToolCatalog)
