"""Where the project's files and installed tools live.

The repository root is found from this package (an editable install), so commands work from any
directory; `ROLLUP_ROOT` overrides it. Tools installed by `scripts/setup` live under node_modules.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
from pathlib import Path

from orchestrator.errors import ToolError

_PLATFORMS = {"linux": "linux", "darwin": "darwin", "win32": "win32"}
_MACHINES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def foundry_package_bin(tool: str, system: str | None = None, machine: str | None = None) -> Path:
    """Where npm put `tool` ('anvil' or 'cast') for this machine: the `@foundry-rs/<tool>` package pulls in
    the one `@foundry-rs/<tool>-<os>-<arch>` package that matches (its optional dependencies)."""
    system = system or sys.platform
    machine = (machine or platform.machine()).lower()
    os_name, arch = _PLATFORMS.get(system, system), _MACHINES.get(machine, machine)
    exe = f"{tool}.exe" if os_name == "win32" else tool
    return Path("node_modules") / "@foundry-rs" / f"{tool}-{os_name}-{arch}" / "bin" / exe


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
    """The anvil binary: $ANVIL_BIN, else the npm package's for this machine, else anvil on PATH."""
    return foundry_binary("anvil")


def cast_binary() -> str:
    """The cast binary (Foundry's command-line client): $CAST_BIN, else the npm package's, else PATH."""
    return foundry_binary("cast")


def foundry_binary(tool: str) -> str:
    variable = f"{tool.upper()}_BIN"
    override = os.environ.get(variable)
    if override:
        if not os.access(override, os.X_OK):
            raise ToolError(f"{variable}={override} is not an executable file")
        return override
    packaged = repo_root() / foundry_package_bin(tool)
    if os.access(packaged, os.X_OK):
        return str(packaged)
    found = shutil.which(tool)
    if found is None:
        raise ToolError(f"{tool} not found: run scripts/setup (or set {variable} to a {tool} binary)")
    return found
