"""Run an external command (osascript, open, mdfind) without a shell and turn failures into ToolError.

Calls block; the executor runs tools in threads, so that is fine, but every call has a timeout.

Example:
    >>> import sys
    >>> run_command([sys.executable, "-c", "print('ok')"], timeout=10)
    'ok'
    >>> clean_error("12:80: execution error: Notes got an error: no such folder (-2700)")
    'Notes got an error: no such folder'
"""
from __future__ import annotations

import logging
import re
import shutil
import subprocess
from typing import Callable, Sequence

from tinyagent.tools.backend import ToolError

log = logging.getLogger(__name__)

# A runner takes an exec argv and a timeout in seconds and returns stdout; tests substitute their own.
Runner = Callable[[Sequence[str], float], str]

_MISSING_HINT = {
    "osascript": "the macOS backend needs macOS (osascript); elsewhere use get_backend('sandbox')",
    "open": "the macOS backend needs macOS (open); elsewhere use get_backend('sandbox')",
}
# osascript reports "START:END: execution error: MESSAGE (CODE)"; keep only MESSAGE.
_OSA_ERROR = re.compile(r"^\d+:\d+: (?:execution|syntax) error: (.*?)(?: \(-?\d+\))?$", re.S)


def clean_error(stderr: str) -> str:
    """The human part of an osascript error message (other text passes through, stripped)."""
    text = stderr.strip()
    match = _OSA_ERROR.match(text)
    return match.group(1).strip() if match else text


def run_command(args: Sequence[str], timeout: float) -> str:
    """Run `args` (no shell) and return stdout minus its final newline; ToolError on any failure."""
    program = args[0]
    exe = shutil.which(program)  # looked up per call, so PATH changes (and test fakes) take effect
    if exe is None:
        hint = _MISSING_HINT.get(program, "install it or use another backend")
        raise ToolError(f"{program} is missing: {hint}")
    try:
        proc = subprocess.run([exe, *args[1:]], capture_output=True, text=True, encoding="utf-8",
                              errors="replace", timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ToolError(f"{program} did not finish within {timeout:g} s") from None
    except OSError as e:
        raise ToolError(f"could not run {program}: {e}") from None
    if proc.returncode != 0:
        detail = clean_error(proc.stderr) or f"exit status {proc.returncode}"
        raise ToolError(f"{program} failed: {detail}")
    if proc.stderr.strip():  # osascript's `log` output and app warnings land here on success
        log.warning("%s wrote to stderr: %s", program, proc.stderr.strip()[:500])
    out = proc.stdout
    return out[:-1] if out.endswith("\n") else out
