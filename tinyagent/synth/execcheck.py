"""Run gold plans on the sandbox: every generated record must execute without a tool error.

A template sandbox is built once (contacts, documents, the world's notes). A record that creates a
note runs on a fresh copy of it (the same `create_note` in another record would otherwise fail
because the title exists); the rest share one copy, since their effects cannot make a later call
fail. The clock is pinned to the reference time.

Usage:
    >>> from tinyagent.synth.offline import generate_offline
    >>> recs = generate_offline(3, seed=0)
    >>> with SandboxChecker(seed=0) as check:
    ...     [check(r) for r in recs]
    [[], [], []]
"""
from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from tinyagent.data.records import Record
from tinyagent.execute import execute_plan
from tinyagent.plan.parser import parse_plan
from tinyagent.plan.types import Plan
from tinyagent.sandbox import SandboxBackend
from tinyagent.synth.offline import parse_reference_time
from tinyagent.synth.world import World, seed_world

# Tools whose effect can make a later, identical call fail (creating a note whose title exists).
# Plans calling them run on a fresh copy of the template; all others share one sandbox, since
# their files get unique names and they never fail because of earlier records.
FRESH_SANDBOX_TOOLS = frozenset({"create_note"})


class SandboxChecker:
    """Callable: `checker(record) -> list of error strings` (empty when every task finished)."""

    def __init__(self, world: World | None = None, seed: int = 0,
                 reference_time: datetime | str = Record.DEFAULT_NOW, timeout: float = 30.0) -> None:
        self.seed = seed
        self.world = world or World.default(seed)
        self.ref = parse_reference_time(reference_time)
        self.timeout = timeout
        self._tmp = Path(tempfile.mkdtemp(prefix="tinyagent-synth-check-"))
        self._template = self._tmp / "template"
        seed_world(self._backend(self._template), self.world)
        self._shared_root = self._tmp / "shared"
        shutil.copytree(self._template, self._shared_root)
        self._shared = self._backend(self._shared_root)
        self._n = 0

    def _backend(self, root: Path) -> SandboxBackend:
        return SandboxBackend(root, seed=self.seed, now=lambda: self.ref)

    def __call__(self, record: Record) -> list[str]:
        plan = parse_plan(record.plan)
        if FRESH_SANDBOX_TOOLS.isdisjoint(plan.tools):
            return self._run(plan, self._shared)
        self._n += 1
        root = self._tmp / f"run-{self._n}"
        shutil.copytree(self._template, root)
        try:
            return self._run(plan, self._backend(root))
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def _run(self, plan: Plan, backend: SandboxBackend) -> list[str]:
        report = execute_plan(plan, backend, timeout=self.timeout)
        errors = [f"task {r.idx} {r.tool}: {r.status}: {r.error}" for r in report.results if r.status != "done"]
        return errors + ([f"stream: {report.stream_error}"] if report.stream_error else [])

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> "SandboxChecker":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
