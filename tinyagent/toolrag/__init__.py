"""ToolRAG: pick the few tools (and in-context examples) the planner needs for a query.

Selectors: `AllTools` (no RAG), `EmbeddingRAG(k)` (cosine top-k), `ToolClassifier` (fine-tuned
multi-label encoder). Every selection is intersected with the enabled tools and never empty.

Example:
    >>> from tinyagent.toolrag import AllTools
    >>> from tinyagent.tools import ASSISTANT_TOOLS
    >>> AllTools().select("Text Sid", ASSISTANT_TOOLS.for_apps(["sms"])).tools.names
    ('send_sms',)
"""
from tinyagent.toolrag.basic_rag import EmbeddingRAG
from tinyagent.toolrag.classifier import ClassifierConfig, ToolClassifier, train_classifier
from tinyagent.toolrag.examples import ExampleRetriever, Retrieval
from tinyagent.toolrag.selection import AllTools, ToolSelection, ToolSelector, finish_selection

__all__ = ["AllTools", "ClassifierConfig", "EmbeddingRAG", "ExampleRetriever", "Retrieval", "ToolClassifier",
           "ToolSelection", "ToolSelector", "finish_selection", "train_classifier"]
