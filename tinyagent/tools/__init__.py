"""Tool catalog and the backends that run the tools."""
from tinyagent.tools.assistant import ASSISTANT_TOOLS, DATE_FORMAT
from tinyagent.tools.catalog import APPS, PARAM_TYPES, ToolCatalog, ToolParam, ToolSpec

__all__ = ["APPS", "ASSISTANT_TOOLS", "DATE_FORMAT", "PARAM_TYPES", "ToolCatalog", "ToolParam", "ToolSpec"]
