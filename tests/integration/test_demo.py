"""`rollup demo` runs the whole story on a fresh devnet and leaves no process behind, and no file but its
logs, under the devnet home."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orchestrator.config import load_config
from orchestrator.devnet.node import port_in_use
from orchestrator.prover.profiles import BlockProver
from orchestrator.testing.devnets import write_settlement_devnet
from tests.helpers import run_rollup

pytestmark = pytest.mark.integration


def test_demo_runs_the_story_shows_every_stage_and_cleans_up(
    tmp_path: Path, test_prover: BlockProver
) -> None:
    devnet_file = write_settlement_devnet(tmp_path, 3, 930000)
    config = load_config(devnet_file)
    home = tmp_path / "home"
    result = run_rollup("demo", config=devnet_file, home=home, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    out = result.stdout
    assert "devnet up: 3 chains" in out and "sequencer" in out and "relayer running" in out
    for chain in ("alpha", "beta", "gamma"):  # every stage shown as it happens, on every chain
        stages = {"committed", "synchronized", "executed"} | ({"proven"} if chain == "alpha" else set())
        for stage in stages:
            assert re.search(rf"\[{chain}\] blocks? [0-9-]+ {stage}", out), (chain, stage)
    assert "carol's full exit" in out and "100 USDC paid on beta" in out
    # whose deposit each line is, balances in token units
    assert re.search(r"alice's 2 ETH deposit on beta \(request \d+\): in L2 block \d+", out), out
    assert "bob's 300 DAI deposit on alpha" in out and "carol's 100 USDC deposit on beta" in out
    assert re.search(r"gamma +│ alice +│ ETH +│ [0-9.]+ ETH +│ [0-9.]+ ETH +│ \+1 ETH +│ yes", out), out
    assert out.count("yes") >= 3 and "demo passed" in out
    # the logs stay under the home and are named; nothing else is left, in the home or beside it
    logs = home / "demo-logs"
    assert {p.name for p in logs.iterdir()} >= {"sequencer.log", "relayer.log", "alpha.log"}
    assert f"logs: {logs / 'alpha.log'}" in out
    assert [p.name for p in home.iterdir()] == ["demo-logs"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["devnet.toml", "home"]
    ports = [c.port or 0 for c in config.chains] + [config.sequencer.rpc_port]
    assert not any(port_in_use(p) for p in ports)
