"""Crash-safe, append-only JSONL logs for resumable synthesis runs.

Each `append` writes one JSON line, flushes and fsyncs it, so after a kill the file holds every
line that `append` returned for, plus at most one torn (partial, newline-less) line at the end.
Opening the log detects that torn tail and truncates it away before anything new is written; a
malformed line anywhere else is corruption and raises ValueError naming the file and line.

`SynthStore` groups the three logs of a run directory: accepted records, rejections and progress
(one line per finished request, with its token usage).

Example:
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "log.jsonl"
    >>> log = JsonlLog(p); log.append({"a": 1}); log.close()
    >>> _ = p.open("a").write('{"a": 2')          # a write killed half-way
    >>> JsonlLog(p).rows
    [{'a': 1}]
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from tinyagent.atomic import write_json_atomic

log = logging.getLogger(__name__)


class JsonlLog:
    """One append-only JSONL file; `rows` holds every line on disk (loaded at open, then appended)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.rows: list[dict[str, Any]] = self._load_and_repair()
        self._fh = open(self.path, "a", encoding="utf-8")

    def _load_and_repair(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1  # 0 when the only line is torn
            log.warning("%s: dropping a torn last line of %d bytes (interrupted write)", self.path, len(data) - keep)
            with open(self.path, "r+b") as fh:
                fh.truncate(keep)
                fh.flush()
                os.fsync(fh.fileno())
            data = data[:keep]
        rows = []
        for lineno, line in enumerate(data.decode("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{self.path}:{lineno}: corrupt line (not a torn tail): {exc}") from exc
        return rows

    def append(self, row: dict[str, Any]) -> None:
        """Write one line and make it durable before returning."""
        self._fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self.rows.append(row)

    def close(self) -> None:
        self._fh.close()


class SynthStore:
    """A run directory: accepted.jsonl, rejected.jsonl, progress.jsonl and config.json.

    Invariants after any crash and resume: attempt ids are unique across accepted and rejected;
    a request with a progress line has all its attempts recorded.
    """

    def __init__(self, out_dir: str | Path, config: dict[str, Any]) -> None:
        self.dir = Path(out_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._check_config(config)
        self.accepted = JsonlLog(self.dir / "accepted.jsonl")
        self.rejected = JsonlLog(self.dir / "rejected.jsonl")
        self.progress = JsonlLog(self.dir / "progress.jsonl")
        self.attempt_ids: set[str] = set()
        self.attempts_per_job: dict[int, int] = {}  # answers recorded per request (accepted + rejected)
        for row in self.accepted.rows:
            self._remember(row["meta"]["attempt"], row["meta"]["job"])
        for row in self.rejected.rows:
            self._remember(row["attempt"], row["job"])
        self.done_jobs: set[int] = {row["job"] for row in self.progress.rows}
        if self.accepted.rows or self.rejected.rows:
            log.info("resuming %s: %d accepted, %d rejected, %d requests done", self.dir,
                     len(self.accepted.rows), len(self.rejected.rows), len(self.done_jobs))

    def _check_config(self, config: dict[str, Any]) -> None:
        """A resumed run must use the settings that decide what each request asks for."""
        path = self.dir / "config.json"
        if path.exists():
            old = json.loads(path.read_text(encoding="utf-8"))
            differ = {k: (old.get(k), v) for k, v in config.items() if old.get(k) != v}
            if differ:
                raise ValueError(f"{self.dir} holds a run with other settings {differ} (old, new); "
                                 "use a new output directory")
        else:
            write_json_atomic(path, config)

    def _remember(self, attempt: str, job: int) -> None:
        if attempt in self.attempt_ids:
            raise ValueError(f"{self.dir}: attempt {attempt!r} is recorded twice")
        self.attempt_ids.add(attempt)
        self.attempts_per_job[job] = self.attempts_per_job.get(job, 0) + 1

    def add_accepted(self, row: dict[str, Any]) -> None:
        self._remember(row["meta"]["attempt"], row["meta"]["job"])
        self.accepted.append(row)

    def add_rejected(self, row: dict[str, Any]) -> None:
        self._remember(row["attempt"], row["job"])
        self.rejected.append(row)

    def finish_job(self, row: dict[str, Any]) -> None:
        self.progress.append(row)
        self.done_jobs.add(row["job"])

    def totals(self) -> dict[str, Any]:
        """Counts and token usage over the whole run so far (all sessions)."""
        reasons: dict[str, int] = {}
        for row in self.rejected.rows:
            reasons[row["reason"]] = reasons.get(row["reason"], 0) + 1
        usage = {k: sum(r.get(k, 0) for r in self.progress.rows)
                 for k in ("prompt_tokens", "completion_tokens", "attempts")}
        usage["cost"] = round(sum(r.get("cost", 0.0) for r in self.progress.rows), 6)
        return {"accepted": len(self.accepted.rows), "rejected": len(self.rejected.rows),
                "rejected_by_reason": reasons, "requests_done": len(self.progress.rows), **usage}

    def close(self) -> None:
        for f in (self.accepted, self.rejected, self.progress):
            f.close()
