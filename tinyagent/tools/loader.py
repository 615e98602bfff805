"""Load a user's tools from what the `catalog` parameter names: a Python module or an OpenAI JSON file.

- a dotted module path (`tinyagent.examples.home.tools`) or a `.py` file: its `ToolRegistry`, or its
  `@tool`-marked functions (tinyagent/tools/functions.py); the tools can then be run
  (`functions` is set);
- a `.json` file holding an OpenAI `tools` list (or `{"tools": [...]}`): schemas only, so `functions`
  is None; tool entries may carry `"x-tinyagent": {"app", "side_effects", "returns"}`.

Errors (no such module or file, bad JSON, a bad tool) raise `CatalogLoadError` naming the source.

Example:
    >>> loaded = load_tools("tinyagent.examples.home.tools")
    >>> loaded.catalog.names[:2], loaded.functions is not None
    (('list_devices', 'find_device'), True)
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from tinyagent.tools.catalog import ToolCatalog
from tinyagent.tools.functions import ToolDefinitionError, registry_from_module
from tinyagent.tools.schema import SchemaError, catalog_from_json_schemas


class CatalogLoadError(ValueError):
    """The tools named by a `catalog` setting cannot be loaded; the message names the source."""


@dataclass(frozen=True)
class LoadedTools:
    """A user's tools: the catalog, and the functions that run them (None for JSON schemas)."""

    source: str  # what was loaded, as given
    catalog: ToolCatalog
    functions: dict[str, Callable[..., Any]] | None


def _module(source: str) -> Any:
    if source.endswith(".py"):
        path = Path(source)
        if not path.is_file():
            raise CatalogLoadError(f"catalog {source!r}: no such file")
        name = f"tinyagent_user_tools_{abs(hash(str(path.resolve())))}"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses and pickling look modules up by name
        spec.loader.exec_module(module)
        return module
    try:
        return importlib.import_module(source)
    except ImportError as exc:
        raise CatalogLoadError(f"catalog {source!r}: cannot import it as a module ({exc}); give a dotted "
                               "module path, a .py file or a .json file of OpenAI tool schemas") from None


def _json_catalog(source: str) -> ToolCatalog:
    path = Path(source)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogLoadError(f"catalog {source!r}: cannot read it as JSON: {exc}") from None
    entries = data.get("tools") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not entries:
        raise CatalogLoadError(f"catalog {source!r}: expected a non-empty list of OpenAI tool schemas "
                               "(or an object with a 'tools' list)")
    return catalog_from_json_schemas(entries)


def load_tools(source: str | Path) -> LoadedTools:
    """Load the tools `source` names (see the module docstring)."""
    text = str(source).strip()
    if not text:
        raise CatalogLoadError("catalog: empty; give a module path, a .py file or a .json file")
    try:
        if text.endswith(".json"):
            return LoadedTools(text, _json_catalog(text), None)
        registry = registry_from_module(_module(text))
    except (ToolDefinitionError, SchemaError) as exc:
        raise CatalogLoadError(f"catalog {text!r}: {exc}") from None
    return LoadedTools(text, registry.catalog, registry.functions)
