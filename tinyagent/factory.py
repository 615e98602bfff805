"""Build planner backends, tool selectors and Planners by name: one place for `ask`, `eval` and the demo.

Layering: above `tinyagent.planner` and `tinyagent.toolrag`, below the CLIs and the demo. Backend
names come from `tinyagent.planner.backends.BACKENDS` (and the options each understands from
`BACKEND_OPTIONS`), selector names from `SELECTORS` here. `add_planner_options` adds the options
`ask` and `eval` share; `planner_from_args` turns them into a `Planner`.

Example:
    >>> import argparse
    >>> p = argparse.ArgumentParser(); add_planner_options(p)
    >>> a = p.parse_args(["--selector", "rag", "--k", "4", "--grammar"])
    >>> a.backend, a.selector, a.k, a.grammar, a.max_tokens
    ('llamacpp', 'rag', 4, True, 384)
    >>> make_selector("all").select("Text Sid", ASSISTANT_TOOLS.for_apps(["sms"])).tools.names
    ('send_sms',)
    >>> make_selector("bm25")
    Traceback (most recent call last):
    ...
    ValueError: unknown selector 'bm25'; use one of ['all', 'classifier', 'rag']
"""
from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any, Callable

from tinyagent.planner import GenerationConfig, Planner, PlannerBackend
from tinyagent.planner.backends import BACKEND_OPTIONS, BACKENDS, make_backend
from tinyagent.planner.planner import ExampleRetriever, ToolSelector
from tinyagent.tools import ASSISTANT_TOOLS  # noqa: F401  (used by the doctest)

log = logging.getLogger(__name__)



def _all(**_: Any) -> ToolSelector:
    from tinyagent.toolrag.selection import AllTools
    return AllTools()


def _rag(*, k: int = 3, **_: Any) -> ToolSelector:
    from tinyagent.toolrag.basic_rag import EmbeddingRAG
    return EmbeddingRAG(k)


def newest_classifier_dir(outputs_root: str | Path = "outputs") -> Path:
    """The classifier of the newest run under `outputs_root` that trained one (notebook 02); clear error if none."""
    from tinyagent.layout import RunLayout

    run = RunLayout.newest(outputs_root, need="classifier")
    if run is None:
        raise FileNotFoundError(f"no run under {outputs_root}/ has a ToolRAG classifier: run notebook 02 "
                                "(python -m tinyagent.reproduce) or pass --classifier-dir")
    log.info("ToolRAG classifier: %s (newest run with one)", run.classifier_dir)
    return run.classifier_dir.resolve()


def _classifier(*, classifier_dir: str | Path | None = None, **_: Any) -> ToolSelector:
    from tinyagent.toolrag.classifier import ToolClassifier
    path = Path(classifier_dir) if classifier_dir else newest_classifier_dir()
    classifier = ToolClassifier.load(path)
    classifier.source_dir = path  # type: ignore[attr-defined]  # so `ask` can say which one it uses
    return classifier


# name -> constructor(**options); each takes the options it needs (k, classifier_dir) and ignores the rest
SELECTORS: dict[str, Callable[..., ToolSelector]] = {"all": _all, "rag": _rag, "classifier": _classifier}
SELECTOR_HELP = "all: no RAG; rag: embedding top-k; classifier: trained ToolRAG classifier"


def make_selector(kind: str, **options: Any) -> ToolSelector:
    """A tool selector by name (SELECTORS); options: k (rag), classifier_dir (classifier)."""
    if kind not in SELECTORS:
        raise ValueError(f"unknown selector {kind!r}; use one of {sorted(SELECTORS)}")
    return SELECTORS[kind](**options)


def classifier_or_all(classifier_dir: str | Path | None) -> tuple[ToolSelector, str | None]:
    """(selector, note): the ToolRAG classifier saved in `classifier_dir`, or all tools and a note why."""
    path = Path(classifier_dir) if classifier_dir else None
    if path is None:
        return make_selector("all"), "no ToolRAG classifier configured; all enabled tools are shown to the planner"
    if not (path / "toolrag.json").is_file():
        return make_selector("all"), (f"no trained ToolRAG classifier at {path}; "
                                      "all enabled tools are shown to the planner")
    return make_selector("classifier", classifier_dir=path), None


def build_backend(kind: str, model: str | None = None, **options: Any) -> PlannerBackend:
    """A backend by name with the shared options (n_ctx, n_threads, adapter, base_url) it understands.

    Options a backend does not use are dropped (logged when set); empty values count as unset.
    """
    if kind not in BACKENDS:
        raise ValueError(f"unknown planner backend {kind!r}; use one of {sorted(BACKENDS)}")
    wanted = BACKEND_OPTIONS.get(kind, ())
    given = {k: v for k, v in options.items() if v not in (None, "")}
    unused = sorted(set(given) - set(wanted))
    if unused:
        log.info("backend %s ignores %s", kind, ", ".join(unused))
    return make_backend(kind, model or None, **{k: v for k, v in given.items() if k in wanted})


def add_planner_options(p: argparse.ArgumentParser, *, served_defaults: bool = False) -> None:
    """The planner options `ask` and `eval` share: backend, model, selector, grammar, decoding.

    `served_defaults` (ask): --model and --selector default to the newest run's served planner and
    classifier (`apply_served_defaults`), and --outputs says where runs are looked for; eval keeps
    explicit defaults (offline SmolLM2, all tools) so that its recorded settings never depend on
    which runs happen to exist."""
    p.add_argument("--backend", default="llamacpp", choices=sorted(BACKENDS))
    model_help = ("GGUF path / model dir / served name (default: the newest run's served planner, else offline "
                  "SmolLM2)" if served_defaults else "GGUF path / model dir / served name (default: offline SmolLM2)")
    p.add_argument("--model", default=None, help=model_help)
    p.add_argument("--adapter", default=None, help="transformers backend: a peft LoRA adapter folder")
    p.add_argument("--base-url", default=None, help="openai backend: server URL, e.g. http://127.0.0.1:8000/v1")
    p.add_argument("--selector", default=None if served_defaults else "all", choices=sorted(SELECTORS),
                   help=SELECTOR_HELP + (" (default: classifier when a run trained one, else all)"
                                         if served_defaults else ""))
    p.add_argument("--k", type=int, default=3, help="tools kept by --selector rag")
    p.add_argument("--classifier-dir", default=None,
                   help="for --selector classifier (default: the newest run under outputs/ that trained one)")
    if served_defaults:
        p.add_argument("--outputs", default=None,
                       help="where run folders are looked for (default: outputs/ here if there is one, else the "
                            "repository's outputs/)")
    p.add_argument("--grammar", action=argparse.BooleanOptionalAction, default=None if served_defaults else False,
                   help="constrain decoding with the plan grammar of the selected tools"
                        + (" (default: as the served run chose on validation; --no-grammar: off)"
                           if served_defaults else ""))
    p.add_argument("--max-tokens", type=int, default=384, help="generated tokens at most per plan")
    p.add_argument("--n-ctx", type=int, default=4096, help="llamacpp context size")
    p.add_argument("--threads", type=int, default=2, help="llamacpp CPU threads (1 is faster on a busy machine)")


def apply_served_defaults(args: argparse.Namespace) -> list[str]:
    """Fill an unset --model (llamacpp) and --selector from the newest run under --outputs that serves
    a planner (`tinyagent.artifacts.newest_served`: the run's report.json "served"); lines for the
    user saying what was chosen and what fell back.

    >>> a = argparse.Namespace(backend="llamacpp", model=None, selector=None, classifier_dir=None, outputs="/nonexistent",
    ...                        grammar=None)
    >>> apply_served_defaults(a)[0][:60], a.model, a.selector, a.grammar
    ('planner: the offline SmolLM2-135M, not fine-tuned (no run un', None, 'all', False)
    """
    from tinyagent.artifacts import newest_served
    from tinyagent.layout import RunLayout

    root = runs_root(getattr(args, "outputs", None))
    wants_model = args.model is None and args.backend == "llamacpp"
    catalog = getattr(args, "tools", None) or ""  # only runs trained on the tools that will run the plan
    served = newest_served(root, catalog=catalog) if wants_model or args.selector is None else None
    lines = []
    if wants_model and served is not None:
        args.model = str(served.planner_gguf)
        lines.append(f"planner: {served.planner_gguf} (fine-tuned, served by run {served.run_dir.name})")
        if getattr(args, "grammar", False) is None:
            args.grammar = served.grammar  # the decoding notebook 04 chose for this planner on validation
            lines.append(f"decoding: {'grammar-constrained' if served.grammar else 'free'} (the run's choice on "
                         "validation; --grammar / --no-grammar override)")
    elif wants_model:
        lines.append(f"planner: the offline SmolLM2-135M, not fine-tuned (no run under {root} exported a planner: "
                     "run python -m tinyagent.reproduce, or pass --model)")
    if getattr(args, "grammar", False) is None:
        args.grammar = False  # not the served planner: free decoding unless asked
    if args.selector == "classifier" and not args.classifier_dir:
        located = RunLayout.newest(root, need="classifier", catalog=catalog)  # as the planner (else: _classifier's error)
        args.classifier_dir = str(located.classifier_dir) if located else None
    if args.selector is None:
        located = RunLayout.newest(root, need="classifier", catalog=catalog)
        found = (served.classifier_dir if served and served.classifier_dir else
                 located.classifier_dir if located else None)
        if args.classifier_dir or found:
            args.selector, args.classifier_dir = "classifier", args.classifier_dir or str(found)
        else:
            args.selector = "all"
            lines.append(f"tools: all enabled tools (no run under {root} trained a ToolRAG classifier)")
    return lines


def runs_root(given: str | Path | None = None) -> Path:
    """Where `ask` looks for runs: `given`, else ./outputs if it exists, else the repository's outputs/."""
    from tinyagent.layout import outputs_root

    if given:
        return Path(given)
    here = Path("outputs")
    return here.absolute() if here.is_dir() else outputs_root()


def close_backend(backend: object) -> None:
    """Free a backend's model now if it can (llama.cpp): a model left to the garbage collector at
    interpreter exit prints 'Exception ignored in: Llama.__del__' once its library is torn down."""
    inner = getattr(backend, "inner", backend)  # wrappers (the demo's TeeBackend) keep the real one here
    close = getattr(inner, "close", None)
    if callable(close):
        close()


def backend_from_args(args: argparse.Namespace) -> PlannerBackend:
    """The backend named by --backend / --model (and its options)."""
    return build_backend(args.backend, args.model, n_ctx=args.n_ctx, n_threads=getattr(args, "threads", 2),
                         adapter=args.adapter, base_url=args.base_url)


def selector_from_args(args: argparse.Namespace) -> ToolSelector:
    """The tool selector named by --selector (--k, --classifier-dir)."""
    return make_selector(args.selector or "all", k=args.k, classifier_dir=args.classifier_dir)


def describe_selector(selector: ToolSelector | None) -> str:
    """Words for the user on what picks the planner's tools, e.g. "ToolRAG classifier outputs/x/classifier"."""
    where = getattr(selector, "source_dir", None)
    name = getattr(selector, "name", type(selector).__name__ if selector is not None else "no RAG")
    return f"ToolRAG classifier {where}" if where else str(name)


def planner_from_args(args: argparse.Namespace, *, backend: PlannerBackend | None = None,
                      retriever: ExampleRetriever | None = None, n_examples: int = 0,
                      instructions: str = "") -> Planner:
    """A Planner from the shared options (`backend` overrides --backend, e.g. an already loaded model)."""
    return Planner(backend if backend is not None else backend_from_args(args), selector_from_args(args), retriever,
                   n_examples=n_examples, grammar=bool(args.grammar), config=GenerationConfig(max_tokens=args.max_tokens),
                   instructions=instructions)
