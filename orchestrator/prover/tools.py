"""Locate and run the Node tools of the prover pipeline: circom2 (WASM circom) and snarkjs.

Both are npm packages under the repository's node_modules. They are run as `node <script>` rather than
through their `.bin` shebangs so that the node on PATH is the one that runs them, and with the repository
root as working directory because circom2 resolves include paths (`-l node_modules`) relative to it.
Failures become one-line `ToolError`s (tool missing or crashed) or the caller's error class.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from orchestrator.errors import RollupError, ToolError
from orchestrator.paths import node_binary, repo_root

__all__ = [
    "ToolRun",
    "circom2_script",
    "circom2_version",
    "circomlib_version",
    "node_binary",
    "npm_package_version",
    "one_line",
    "repo_root",
    "run_node",
    "snarkjs_script",
]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# circom prints the offending location on a later line as `--> "file":line:col` (box-drawing arrow).
_LOCATION = re.compile(r'"([^"]+)":(\d+):(\d+)')
_MAX_MESSAGE = 400


@dataclass(frozen=True)
class ToolRun:
    """Outcome of one successful tool run."""

    stdout: str
    stderr: str
    seconds: float
    returncode: int


def _package_script(package: str, relative: str, root: Path | None) -> Path:
    base = (root or repo_root()) / "node_modules" / package
    script = base / relative
    if not script.is_file():
        raise ToolError(f"{package} is not installed ({script} missing): run `npm ci` in the repository root")
    return script


def circom2_script(root: Path | None = None) -> Path:
    """The JS entry point of the circom2 npm package (circom compiled to WASI)."""
    return _package_script("circom2", "cli.js", root)


def snarkjs_script(root: Path | None = None) -> Path:
    """The JS entry point of the snarkjs CLI."""
    return _package_script("snarkjs", "build/cli.cjs", root)


@cache
def npm_package_version(package: str, root: Path | None = None) -> str:
    """Version of an installed npm package, read from its package.json (no process start)."""
    manifest = (root or repo_root()) / "node_modules" / package / "package.json"
    try:
        version = json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError) as exc:
        raise ToolError(f"cannot read the version of npm package {package} from {manifest}: {exc}") from None
    if not isinstance(version, str):
        raise ToolError(f"npm package {package} has a malformed version in {manifest}")
    return version


def circom2_version(root: Path | None = None) -> str:
    """circom2 npm package version; it pins the bundled circom compiler (0.2.23 ships circom 2.2.3)."""
    return npm_package_version("circom2", root)


def circomlib_version(root: Path | None = None) -> str:
    return npm_package_version("circomlib", root)


def one_line(output: str) -> str:
    """Condense a tool's output to the line a user needs: the first error line, with its location."""
    lines = [_ANSI.sub("", line).strip() for line in output.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return "no output"
    chosen = None
    for index, line in enumerate(lines):
        lowered = line.lower()
        if lowered.startswith("error") or "error:" in lowered or "error[" in lowered:
            chosen = line
            # circom's witness calculator splits "Assert Failed." and "Error in template T line: n".
            if index + 1 < len(lines) and lines[index + 1].startswith("Error in template"):
                chosen += " " + lines[index + 1]
            # Attach circom's `--> "file":line:col` if it follows the error within a few lines.
            for follow in lines[index + 1 : index + 4]:
                found = _LOCATION.search(follow)
                if found:
                    chosen += f" (at {found.group(1)}:{found.group(2)}:{found.group(3)})"
                    break
            break
    if chosen is None:
        chosen = lines[-1]
    # snarkjs/node nest "Error: Error: ..." prefixes; one is enough.
    chosen = re.sub(r"^(?:\[ERROR\]\s*)?(?:snarkJS:\s*)?(?:Error:\s*)*", "", chosen)
    return chosen if len(chosen) <= _MAX_MESSAGE else chosen[: _MAX_MESSAGE - 3] + "..."


def run_node(
    script: Path,
    args: Sequence[str],
    *,
    what: str,
    error: type[RollupError] = ToolError,
    cwd: Path | None = None,
    timeout: float | None = None,
    check: bool = True,
) -> ToolRun:
    """Run `node script args...`; raise `error` with one line naming `what` if it fails or times out.

    With `check=False` a non-zero exit is returned to the caller (snarkjs reports an invalid proof so).
    """
    command = [node_binary(), str(script), *args]
    workdir = cwd or repo_root()
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            # Colour codes only get in the way of the one-line message.
            env={**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"},
        )
    except subprocess.TimeoutExpired:
        raise error(f"{what} timed out after {timeout:.0f} s") from None
    except OSError as exc:
        raise ToolError(f"cannot start node for {what}: {exc}") from None
    seconds = time.perf_counter() - started
    if check and done.returncode != 0:
        detail = one_line(done.stderr + "\n" + done.stdout)
        raise error(f"{what} failed (exit {done.returncode}): {detail}")
    return ToolRun(stdout=done.stdout, stderr=done.stderr, seconds=seconds, returncode=done.returncode)
