"""`rollup demo` runs on a fresh devnet end to end and leaves no process and no file behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.config import DevnetConfig
from orchestrator.devnet.node import port_in_use
from tests.helpers import run_rollup

pytestmark = pytest.mark.integration


def test_demo_runs_and_cleans_up(devnet_file: Path, config: DevnetConfig, home: Path) -> None:
    result = run_rollup("demo", config=devnet_file, home=home)
    assert result.returncode == 0, result.stderr
    assert "devnet up: 3 anvil node(s)" in result.stdout
    # per chain: its test token, messenger and rollup; the primary also has the Groth16 verifier
    assert result.stdout.count("bytes of code") == 3 * 3 + 1
    code_lines = [line.split()[1] for line in result.stdout.splitlines() if line.endswith("bytes of code")]
    assert code_lines.count("Rollup") == 3 and code_lines.count("Groth16Verifier") == 1
    assert "demo finished" in result.stdout
    assert not home.exists()
    assert not any(port_in_use(c.port or 0) for c in config.chains)
