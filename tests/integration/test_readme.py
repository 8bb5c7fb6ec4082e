"""The README's example runs as written, in order, on a fresh devnet with live daemons (issue 11, point 16).

The block after `<!-- readme-example -->` in README.md is taken verbatim and each line run by bash, with
ROLLUP_CONFIG and ROLLUP_HOME pointing at a throw-away devnet shaped like devnet/devnet.toml (same chain
names and tokens, free ports). A README that drifts from the code fails here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestrator.prover.profiles import BlockProver
from orchestrator.testing.devnets import write_settlement_devnet
from orchestrator.testing.running import running_rollup
from tests.helpers import REPO

pytestmark = pytest.mark.integration

MARKER = "<!-- readme-example -->"


def readme_example() -> list[str]:
    text = (REPO / "README.md").read_text()
    assert MARKER in text, "README.md lost its example marker"
    block = text.split(MARKER, 1)[1].split("```sh\n", 1)[1].split("\n```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_the_readme_example_block_is_found() -> None:
    lines = readme_example()
    assert len(lines) >= 8 and all(line.startswith("rollup ") for line in lines), lines


def test_the_readme_example_runs_verbatim_against_live_daemons(
    tmp_path: Path, test_prover: BlockProver
) -> None:
    config = write_settlement_devnet(tmp_path, 3, 965000)
    home = tmp_path / "home"
    env = {
        **os.environ,
        "ROLLUP_CONFIG": str(config),
        "ROLLUP_HOME": str(home),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    with running_rollup(config, home):
        for line in readme_example():
            result = subprocess.run(
                ["bash", "-c", line], env=env, capture_output=True, text=True, timeout=600, check=False
            )
            output = result.stdout + result.stderr
            assert result.returncode == 0 and "Traceback" not in output, (line, output)
            if line.startswith("rollup withdraw"):
                assert " paid to " in result.stdout, (line, output)
