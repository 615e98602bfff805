"""Table 2 measured side by side: several planner GGUFs on the same records, selector and settings.

Models are evaluated in interleaved chunks (chunk 1 of every model, then chunk 2, ...), so a change
in machine load during the run touches every model alike instead of biasing whichever ran last.
Each model's predictions go to its own resumable harness eval dir (`out_dir/<name>`).

Usage:
    models = [Candidate("base", "SmolLM2-135M off the shelf", default_planner_gguf(), "Q4_1", False), ...]
    rows = compare_models(models, test_records, clf, data=Path("data/test.jsonl"), out_dir=out / "eval")
    print(tinyagent.report.tables.table2_markdown(rows))
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

from tinyagent.progress import progress

from tinyagent.data.records import Record
from tinyagent.planner.backends import make_backend
from tinyagent.study.evaluation import EvalRun, base_settings, run_one

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Candidate:
    """One row of Table 2: a planner GGUF and how it was made."""

    name: str  # short id: base, f16, q4_0, q4_0_qat, ...
    label: str  # human text
    gguf: Path
    quant: str  # storage type as llama.cpp names it: F16, Q4_0, Q4_1
    qat: bool  # fine-tuned with fake Q4_0 quantization
    max_records: int | None = None  # plan only the first N records (e.g. the slow, always-failing base model)
    grammar: bool = False  # decode constrained by the plan grammar of the shown tools


def table2_row(c: Candidate, summary: dict[str, Any], eval_dir: Path) -> dict[str, Any]:
    """The Table 2 row of one evaluated model (contract read by notebook 05)."""
    paper, lat = summary["paper"], summary["latency_s"]["plan"]
    return {"name": c.name, "label": c.label, "gguf": str(c.gguf), "quant": c.quant, "qat": c.qat,
            "grammar": c.grammar, "size_bytes": c.gguf.stat().st_size, "n": paper["n"], "successes": paper["successes"],
            "success_rate": paper["success_rate"], "ci95": list(paper["ci95"]),
            "strict_success_rate": summary["strict"]["success_rate"],
            "latency_p50_s": lat["p50"], "latency_p95_s": lat["p95"],
            "first_task_p50_s": summary["latency_s"]["first_task"]["p50"],
            "output_tokens_mean": summary["output_tokens"]["mean"], "eval_dir": str(eval_dir)}


def compare_models(models: Sequence[Candidate], records: Sequence[Record], selector: Any, *, data: Path,
                   out_dir: str | Path, selector_label: str = "classifier", max_tokens: int = 192,
                   threads: int = 2, chunk: int = 5) -> list[dict[str, Any]]:
    """Evaluate every model on `records` with `selector`; one `table2_row` per model, in order."""
    if not models or not records:
        raise ValueError("compare_models needs at least one model and one record")
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        raise ValueError(f"model names must be unique, got {names}")
    missing = [str(m.gguf) for m in models if not Path(m.gguf).is_file()]
    if missing:
        raise FileNotFoundError(f"GGUF files not found: {missing}")
    out = Path(out_dir)
    runs = {m.name: EvalRun("table2", selector_label, selector, grammar=m.grammar) for m in models}
    by_file = {str(m.gguf): make_backend("llamacpp", str(m.gguf), n_threads=threads) for m in models}
    backends = {m.name: by_file[str(m.gguf)] for m in models}  # a grammar row shares its model's backend
    summaries: dict[str, dict[str, Any]] = {}
    done: dict[str, int] = {}  # records evaluated so far per model
    ends = list(range(chunk, len(records), chunk)) + [len(records)]
    wanted = {m.name: records[: m.max_records] if m.max_records else records for m in models}
    with progress(total=sum(len(r) for r in wanted.values()), desc="table 2", unit="plan") as bar:
        for end in ends:
            for m in models:
                part = wanted[m.name][:end]
                if done.get(m.name) == len(part):
                    continue  # this model's (shorter) share is finished
                base = base_settings(data, Path(m.gguf), max_tokens)
                summaries[m.name] = run_one(runs[m.name], part, backends[m.name], out / m.name, base, progress=False)
                done[m.name] = len(part)
                bar.n = sum(s["n"] for s in summaries.values())
                bar.refresh()
    return [table2_row(m, summaries[m.name], out / m.name) for m in models]


def choose_served(candidates: Sequence[Candidate], val_records: Sequence[Record], selector: Any, *, data: Path,
                  out_dir: str | Path, selector_label: str = "classifier", max_tokens: int = 192,
                  threads: int = 2) -> tuple[str, dict[str, float]]:
    """The candidate with the highest DAG success on validation records (ties: the first listed).

    The served model is picked on the validation split, never on test or natural records, so the
    Table 2 numbers of the served row are not inflated by the choice. Returns (name, success by name).

    Usage:
        served, val_success = choose_served(four_bit, splits["val"][:60], clf, data=run.split("val"), out_dir=...)
    """
    if not candidates:
        raise ValueError("choose_served needs at least one candidate")
    rows = compare_models(candidates, val_records, selector, data=data, out_dir=out_dir,
                          selector_label=selector_label, max_tokens=max_tokens, threads=threads)
    success = {r["name"]: r["success_rate"] for r in rows}
    best = max(success, key=lambda name: (success[name], -[c.name for c in candidates].index(name)))
    log.info("served model chosen on %d validation records: %s (%s)", len(val_records), best, success)
    return best, success


def choose_grammar(served: Candidate, val_records: Sequence[Record], selector: Any, *, data: Path,
                   out_dir: str | Path, selector_label: str = "classifier", max_tokens: int = 192,
                   threads: int = 2) -> tuple[bool, dict[str, float]]:
    """Whether to serve `served` with grammar-constrained decoding: True only when it plans more of the
    validation records right than free decoding (ties: off, the cheaper and simpler one).

    Pass choose_served's `out_dir`: the unconstrained plans made there are reused, so only the
    constrained ones are new. Returns (grammar on?, {"off": success, "on": success}).

    Usage:
        grammar, val = choose_grammar(quant_candidate(served, ft, qat), splits["val"][-40:], clf,
                                      data=run.split("val"), out_dir=run.quant_eval_dir / "choice")
    """
    constrained = replace(served, name=f"{served.name}_grammar", grammar=True, max_records=None)
    off, on = compare_models([replace(served, grammar=False, max_records=None), constrained], val_records,
                             selector, data=data, out_dir=out_dir, selector_label=selector_label,
                             max_tokens=max_tokens, threads=threads)
    success = {"off": off["success_rate"], "on": on["success_rate"]}
    log.info("grammar-constrained decoding on %d validation records: %s", len(val_records), success)
    return success["on"] > success["off"], success


def quant_candidate(name: str, ft_gguf: Mapping[str, Path], qat_gguf: Mapping[str, Path],
                    max_records: int | None = None) -> Candidate:
    """The Table 2 row `name`: a llama.cpp type of the fine-tuned model (`q4_0`) or of the QAT one (`q4_0_qat`).

    >>> c = quant_candidate("iq4_nl_qat", {}, {"iq4_nl": Path("q.gguf")})
    >>> c.label, c.quant, c.qat
    ('fine-tuned + QAT, IQ4_NL', 'IQ4_NL', True)
    """
    qat = name.endswith("_qat")
    quant = name.removesuffix("_qat")
    files = qat_gguf if qat else ft_gguf
    if quant not in files:
        raise KeyError(f"no {quant} GGUF of the {'QAT' if qat else 'fine-tuned'} model for row {name!r}; "
                       f"have {sorted(files)}")
    return Candidate(name, f"fine-tuned{' + QAT' if qat else ''}, {quant.upper()}", Path(files[quant]),
                     quant.upper(), qat, max_records)


def table2_candidates(base_gguf: Path, ft_gguf: Mapping[str, Path], qat_gguf: Mapping[str, Path], *,
                      four_bit: Sequence[str], extra_quants: Sequence[str], served: str, base_records: int,
                      side_records: int | None) -> list[Candidate]:
    """Table 2's rows: base, f16, f16 + QAT, the extra types, then the 4-bit candidates.

    f16 and the served row plan every record; the base model `base_records`, every other row
    `side_records` (None: every record).
    """
    base = Candidate("base", "SmolLM2-135M off the shelf", base_gguf, base_gguf.stem.rsplit(".", 1)[-1].upper(),
                     False, max_records=base_records)
    return [base, Candidate("f16", "fine-tuned, f16", Path(ft_gguf["f16"]), "F16", False),
            Candidate("f16_qat", "fine-tuned + QAT, f16", Path(qat_gguf["f16"]), "F16", True, max_records=side_records),
            *(quant_candidate(q, ft_gguf, qat_gguf, side_records) for q in extra_quants),
            *(quant_candidate(n, ft_gguf, qat_gguf, None if n == served else side_records) for n in four_bit)]


def with_grammar(models: Sequence[Candidate], names: Sequence[str]) -> list[Candidate]:
    """`models` plus a grammar-constrained row (`<name>_grammar`) for each of `names`, after its model.

    Why: a third of the served model's failures were unparsable plans; this row measures what
    constrained decoding buys on the same records, so the choice to serve it can be made by number.

    >>> rows = with_grammar([Candidate("f16", "fine-tuned, f16", Path("f.gguf"), "F16", False)], ["f16"])
    >>> [(c.name, c.label, c.grammar) for c in rows]
    [('f16', 'fine-tuned, f16', False), ('f16_grammar', 'fine-tuned, f16, grammar-constrained', True)]
    """
    known = {m.name for m in models}
    if unknown := [n for n in names if n not in known]:
        raise KeyError(f"no Table 2 row named {unknown} to add a grammar row for; rows: {sorted(known)}")
    out: list[Candidate] = []
    for m in models:
        out.append(m)
        if m.name in names:
            out.append(replace(m, name=f"{m.name}_grammar", label=f"{m.label}, grammar-constrained", grammar=True))
    return out


def table2_rows(models: Sequence[Candidate], splits: Mapping[str, tuple[Sequence[Record], Path]], selector: Any, *,
                served: str, out_dir: Path, **kwargs: Any) -> list[dict[str, Any]]:
    """`compare_models` on each split (name -> (records, data file)); rows carry `split` and `served`."""
    rows = []
    for split, (records, path) in splits.items():
        for row in compare_models(models, records, selector, data=path, out_dir=Path(out_dir) / split, **kwargs):
            rows.append({**row, "split": split, "served": row["name"] == served})
    return rows
