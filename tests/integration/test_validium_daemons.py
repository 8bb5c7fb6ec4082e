"""Validium mode with every part a real process (issue 15): committee members, sequencer and relayer.
The sequencer gathers M signatures before each commit on the primary; with fewer it waits, says so in
`rollup status`, and commits nothing; a restarted sequencer commits what the committee already signed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.prover.profiles import BlockProver
from orchestrator.testing.devnets import write_settlement_devnet
from orchestrator.testing.running import RunningRollup, running_rollup, start_members
from orchestrator.wallet.actions import l1_balance
from orchestrator.wallet.keys import load_wallet
from tests.helpers import run_rollup, wait_until

ETHER = 10**18

pytestmark = pytest.mark.integration


@pytest.fixture
def rollup(tmp_path: Path, validium_prover: BlockProver) -> Iterator[RunningRollup]:
    path = write_settlement_devnet(tmp_path, 2, 983000, committee=(2, 3))
    with running_rollup(path, tmp_path / "home") as running:
        yield running


def _cli(rollup: RunningRollup, *args: str) -> str:
    result = run_rollup(*args, config=rollup.config_path, home=rollup.home, timeout=600)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


def test_the_sequencer_commits_only_what_the_committee_signed(rollup: RunningRollup) -> None:
    _cli(rollup, "account", "create", "vera")
    _cli(rollup, "deposit", "vera", "1", "ETH", "--chain", "beta")
    out = _cli(rollup, "withdraw", "vera", "0.25", "ETH", "--chain", "beta")
    assert "0.25 ETH paid to vera on beta" in out
    primary = rollup.net.rollup(rollup.config.primary).functions
    committed = int(primary.lastCommittedBlock().call())

    # Two of three members down: the next block is built but waits for the committee, and says so.
    vera = load_wallet(rollup.home, "vera").address
    beta, eth = rollup.net.chain("beta"), rollup.net.token("ETH")
    before = l1_balance(rollup.net, beta, eth, vera)
    for name in ("dac1", "dac2"):
        rollup.members[name].stop()
    _cli(rollup, "withdraw", "vera", "0.25", "ETH", "--chain", "beta", "--no-wait")
    waiting = "waits for the data committee: 1 of 2 signatures"
    wait_until(lambda: waiting in _cli(rollup, "status"), 60, "rollup status to show the wait")
    assert "committee member dac1: stopped" in _cli(rollup, "status")
    assert rollup.client.status()["last_block"] > committed
    assert int(primary.lastCommittedBlock().call()) == committed

    # The sequencer restarts with the members still down, then one comes back: the block commits, and
    # the withdrawal is paid.
    rollup.sequencer.stop()
    rollup.start_sequencer()
    rollup.members.update(start_members(rollup.config, rollup.config_path, rollup.home, ["dac1"]))
    wait_until(lambda: int(primary.lastCommittedBlock().call()) > committed, 120, "the block committed")
    wait_until(lambda: l1_balance(rollup.net, beta, eth, vera) == before + ETHER // 4, 240, "paid")
    assert waiting not in _cli(rollup, "status")
