"""Training curves from a run's log.jsonl: plan-token loss per step and validation success per eval.

Example:
    >>> import json, tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> rows = [{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.0}, {"step": 2, "eval": {"success": 0.5}}]
    >>> _ = (d / "log.jsonl").write_text("".join(json.dumps(r) + "\\n" for r in rows))
    >>> c = read_curves(d / "log.jsonl")
    >>> c.loss, c.val_success, c.best()
    ([(1, 2.0), (2, 1.0)], [(2, 0.5)], (2, 0.5))
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tinyagent.figures import new_figure, save_figure
from tinyagent.train.checkpoint import read_log


@dataclass
class Curves:
    """(step, value) pairs in step order."""

    loss: list[tuple[int, float]] = field(default_factory=list)  # mean plan-token loss per optimizer step
    val_success: list[tuple[int, float]] = field(default_factory=list)  # DAG success on the val records
    minutes: dict[int, float] = field(default_factory=dict)  # step -> training minutes so far (validation included)

    def best(self) -> tuple[int, float] | None:
        """(step, success) of the best validation (the earliest on ties, as the trainer keeps it)."""
        if not self.val_success:
            return None
        top = max(v for _, v in self.val_success)
        return next((s, v) for s, v in self.val_success if v == top)

    def smoothed_loss(self, window: int = 10) -> list[tuple[int, float]]:
        """Trailing mean of the loss over `window` steps (single steps are noisy at batch size 8)."""
        out = []
        for i, (step, _) in enumerate(self.loss):
            vals = [v for _, v in self.loss[max(0, i - window + 1): i + 1]]
            out.append((step, sum(vals) / len(vals)))
        return out


def read_curves(log_path: str | Path) -> Curves:
    """Curves from a trainer log (rows with "loss" or "eval"); a missing log raises FileNotFoundError."""
    path = Path(log_path)
    if not path.is_file():
        raise FileNotFoundError(f"no training log at {path} (did the fine-tuning step run?)")
    curves, seconds = Curves(), 0.0
    for row in read_log(path):
        seconds += float(row.get("seconds", 0.0)) + float(row.get("eval", {}).get("seconds", 0.0) or 0.0)
        if "loss" in row:
            curves.loss.append((int(row["step"]), float(row["loss"])))
        if "eval" in row:
            curves.val_success.append((int(row["step"]), float(row["eval"]["success"])))
            curves.minutes[int(row["step"])] = seconds / 60
    return curves


def plot_curves(curves: Curves, path: str | Path, title: str = "LoRA fine-tuning") -> Path:
    """Loss (raw and smoothed, log scale) and validation success against the optimizer step."""
    if not curves.loss:
        raise ValueError("no loss rows to plot")
    fig = new_figure(figsize=(10, 3.5))
    a, b = fig.subplots(1, 2)
    steps, losses = zip(*curves.loss)
    a.plot(steps, losses, lw=0.8, alpha=0.4, label="per step")
    a.plot(*zip(*curves.smoothed_loss()), lw=1.6, label="10-step mean")
    a.set(xlabel="optimizer step", ylabel="plan-token loss", yscale="log", title=f"{title}: training loss")
    a.legend()
    if curves.val_success:
        b.plot(*zip(*curves.val_success), marker="o")
        best = curves.best()
        b.annotate(f"best {best[1]:.0%} @ {best[0]}", best, textcoords="offset points", xytext=(-40, -15))
    b.set(xlabel="optimizer step", ylabel="DAG success rate", ylim=(-0.02, 1.02), title="validation success")
    if curves.minutes:  # accuracy against what it cost: minutes of training (and validation) so far
        top = b.secondary_xaxis("top", functions=_step_to_minutes(curves))
        top.set_xlabel("training minutes (incl. validation)")
    for ax in (a, b):
        ax.grid(alpha=0.3)
    return save_figure(fig, path)


def _step_to_minutes(curves: Curves):
    """(step -> minutes, minutes -> step) by linear interpolation between validated steps, for a second axis."""
    import numpy as np

    steps = np.array([0.0, *curves.minutes.keys()])
    mins = np.array([0.0, *curves.minutes.values()])
    return (lambda x: np.interp(x, steps, mins), lambda m: np.interp(m, mins, steps))
