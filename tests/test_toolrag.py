"""ToolRAG selectors: selection safety, basic RAG, and a classifier that learns in a few steps.

Usage: .venv/bin/python -m pytest tests/test_toolrag.py -q
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from tinyagent.synth.pipeline import synthesize
from tinyagent.tools import ASSISTANT_TOOLS
from tinyagent.tools.catalog import ToolCatalog
from tinyagent.toolrag import AllTools, ClassifierConfig, EmbeddingRAG, ToolClassifier, train_classifier
from tinyagent.toolrag.classifier import META_FILE, multi_hot, threshold_curve
from tinyagent.toolrag.selection import ToolSelector, finish_selection
from tinyagent.toolrag.table import evaluate_selector, recall_at_k


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    ds = synthesize(300, seed=3, out_dir=tmp_path_factory.mktemp("data"))
    return ds.splits


@pytest.fixture(scope="module")
def trained(splits):
    cfg = ClassifierConfig(epochs=2, batch_size=16, lr=1e-3, seed=0, num_threads=1)
    return train_classifier(splits["train"][:96], cfg, progress=False)


def _topk_recall(clf: ToolClassifier, records, k: int = 3) -> float:
    probs = clf.predict_proba([r.query for r in records])
    ranked = [[clf.labels[i] for i in np.argsort(-p, kind="stable")] for p in probs]
    return recall_at_k(ranked, [r.tools for r in records], k)["mean_recall"]


class _Fixed:
    """A selector that always picks the same names (to drive the safety rule)."""

    def __init__(self, names):
        self.names = names

    def select(self, query, enabled):
        return finish_selection(self.names, {n: 1.0 for n in self.names}, enabled)


def test_selection_is_intersected_with_enabled_tools():
    enabled = ASSISTANT_TOOLS.for_apps(["mail", "contacts"])
    sel = _Fixed(["send_sms", "get_email_address", "compose_new_email"]).select("q", enabled)
    assert sel.tools.names == ("get_email_address", "compose_new_email") and sel.fallback is None
    assert set(sel.scores) <= set(enabled.names)


def test_empty_selection_falls_back_to_all_enabled_and_says_so():
    enabled = ASSISTANT_TOOLS.for_apps(["notes"])
    sel = _Fixed(["send_sms"]).select("q", enabled)  # chosen tool is not enabled -> nothing left
    assert sel.tools == enabled and "all 3 enabled tools" in sel.fallback


def test_no_enabled_tools_is_a_clear_error():
    with pytest.raises(ValueError, match="no tools are enabled"):
        AllTools().select("q", ToolCatalog(()))


def test_all_tools_and_rag_respect_enabled_apps():
    enabled = ASSISTANT_TOOLS.for_apps(["sms", "calendar", "zoom"])
    assert AllTools().select("x", enabled).tools == enabled
    sel = EmbeddingRAG(k=6).select("Text Sid that I'm late", enabled)
    assert sel.tools == enabled  # top-6 of 3 enabled tools is all of them, never a disabled one
    assert isinstance(EmbeddingRAG(k=2), ToolSelector)


def test_basic_rag_ranks_the_obvious_tool_first():
    rag = EmbeddingRAG(k=1)
    assert rag.rank("Summarize the PDF report for me", ASSISTANT_TOOLS)[0] == "summarize_pdf"
    assert rag.select("Show me directions to the airport", ASSISTANT_TOOLS).tools.names == ("maps_show_directions",)
    with pytest.raises(ValueError, match="k must be >= 1"):
        EmbeddingRAG(k=0)


def test_classifier_with_nothing_above_threshold_falls_back(trained):
    clf = ToolClassifier(trained.model, trained.tokenizer, trained.labels, threshold=0.999999)
    enabled = ASSISTANT_TOOLS.for_apps(["files"])
    sel = clf.select("Summarize the report", enabled)
    assert sel.tools == enabled and sel.fallback is not None


def test_training_raises_recall_above_the_untrained_model(splits, trained):
    """Untrained = the model training starts from (encoder + head whose bias is the label base rates)."""
    test = splits["test"] + splits["val"]
    prior = multi_hot(splits["train"][:96], trained.labels).mean(axis=0)
    untrained = ToolClassifier.fresh(ClassifierConfig(seed=0), prior=prior)
    gold = multi_hot(test, trained.labels)
    before = threshold_curve(untrained.predict_proba([r.query for r in test]), gold, [0.5])["record_recall"][0]
    after = threshold_curve(trained.predict_proba([r.query for r in test]), gold, [0.5])["record_recall"][0]
    assert after > before, (before, after)
    # Threshold-free: the top-3 tools by probability cover more of the gold tools after training.
    assert _topk_recall(trained, test) > _topk_recall(untrained, test) + 0.1
    assert len(trained.history) == 2 * 6 and trained.history[-1] < trained.history[0]


def test_save_load_roundtrip_keeps_predictions_and_threshold(trained, splits, tmp_path):
    trained.tune_threshold(splits["val"], recall_target=1.0)
    assert 0.0 < trained.threshold < 1.0
    out = trained.save(tmp_path / "clf")
    meta = json.loads((out / META_FILE).read_text())
    assert meta["labels"] == list(ASSISTANT_TOOLS.names) and meta["threshold"] == trained.threshold
    loaded = ToolClassifier.load(out)
    q = [r.query for r in splits["test"][:5]]
    np.testing.assert_allclose(loaded.predict_proba(q), trained.predict_proba(q), atol=1e-5)
    assert loaded.model.config.problem_type == "multi_label_classification"
    trained.save(out)  # saving over an existing folder replaces it
    assert ToolClassifier.load(out).labels == trained.labels
    with pytest.raises(FileNotFoundError, match=META_FILE):
        ToolClassifier.load(tmp_path)


def test_tuned_threshold_reaches_the_recall_target_on_val(trained, splits):
    t = trained.tune_threshold(splits["val"], recall_target=1.0)
    row = evaluate_selector("clf", trained, splits["val"], count_tokens=lambda tools, q: len(tools))
    assert row.record_recall == 1.0 or t == 0.01
    assert row.avg_prompt_tokens == row.avg_tools  # the injected counter saw the selected catalogs


def test_unknown_gold_tool_is_rejected(splits):
    from dataclasses import replace
    bad = replace(splits["train"][0], tools=("teleport",))
    with pytest.raises(ValueError, match="teleport"):
        train_classifier([bad], ClassifierConfig(epochs=1), progress=False)
    with pytest.raises(ValueError, match="epochs"):
        ClassifierConfig(epochs=0)
