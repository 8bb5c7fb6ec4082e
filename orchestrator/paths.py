"""Where the project's files and installed tools live.

The repository root is found from this package (an editable install), so commands work from any
directory; `ROLLUP_ROOT` overrides it. Tools installed by `scripts/setup` live under node_modules.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from orchestrator.errors import ToolError

ANVIL_PACKAGE_BIN = Path("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")


def repo_root() -> Path:
    override = os.environ.get("ROLLUP_ROOT")
    if override:
        return Path(override).resolve()
    return Path(__file__).resolve().parent.parent


def build_dir() -> Path:
    """This clone's generated files (Solidity verifiers written by `rollup circuit build`)."""
    return repo_root() / "build"


def cache_dir() -> Path:
    """Build caches every clone of this user shares: compiled circuits, their keys, compiled contracts.
    Each entry is named by a hash of what it was built from (sources, compiler, r1cs), so a clone never
    reads another version's artifact, and writes go through a rename, so clones building at once do not
    clash. `ROLLUP_CACHE` overrides it; otherwise `$XDG_CACHE_HOME` (or ~/.cache)/multichain-zk-rollup."""
    override = os.environ.get("ROLLUP_CACHE")
    if override:
        return Path(override).resolve()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "multichain-zk-rollup"


def default_config_path() -> Path:
    return repo_root() / "devnet" / "devnet.toml"


def default_home() -> Path:
    """Run-time state of the local devnet: node pids, logs, deployments."""
    return repo_root() / ".devnet"


def node_binary() -> str:
    found = shutil.which("node")
    if found is None:
        raise ToolError("node not found on PATH: install Node.js 20 (scripts/setup does it)")
    return found


def anvil_binary() -> str:
    """The anvil binary: $ANVIL_BIN, else the npm package's, else anvil on PATH."""
    override = os.environ.get("ANVIL_BIN")
    if override:
        if not os.access(override, os.X_OK):
            raise ToolError(f"ANVIL_BIN={override} is not an executable file")
        return override
    packaged = repo_root() / ANVIL_PACKAGE_BIN
    if os.access(packaged, os.X_OK):
        return str(packaged)
    found = shutil.which("anvil")
    if found is None:
        raise ToolError("anvil not found: run scripts/setup (or set ANVIL_BIN to an anvil binary)")
    return found
