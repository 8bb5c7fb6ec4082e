"""Where the Foundry binaries are found: the npm package of this machine's OS and CPU, or an override."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from orchestrator.errors import ToolError
from orchestrator.paths import anvil_binary, cast_binary, foundry_package_bin


@pytest.mark.parametrize(
    ("tool", "system", "machine", "expected"),
    [
        ("anvil", "linux", "x86_64", "@foundry-rs/anvil-linux-amd64/bin/anvil"),
        ("anvil", "linux", "aarch64", "@foundry-rs/anvil-linux-arm64/bin/anvil"),
        ("cast", "darwin", "arm64", "@foundry-rs/cast-darwin-arm64/bin/cast"),
        ("cast", "win32", "AMD64", "@foundry-rs/cast-win32-amd64/bin/cast.exe"),
    ],
)
def test_each_machine_resolves_its_own_package(tool: str, system: str, machine: str, expected: str) -> None:
    assert foundry_package_bin(tool, system, machine) == Path("node_modules") / expected


def test_the_installed_anvil_and_cast_run() -> None:
    for binary in (anvil_binary(), cast_binary()):
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
        assert "1.7.1" in out, out


def test_an_override_that_is_not_executable_is_one_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAST_BIN", os.devnull + "-missing")
    with pytest.raises(ToolError, match=r"CAST_BIN=.* is not an executable file"):
        cast_binary()
