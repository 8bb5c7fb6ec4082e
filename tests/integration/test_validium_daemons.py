"""Validium mode with every part a real process (issue 15): committee members, sequencer and relayer.
The sequencer gathers M signatures before each commit on the primary; with fewer it waits, says so in
`rollup status`, and commits nothing; a restarted sequencer commits what the committee already signed.
Each member serves its metrics and health.

The tests share one rollup; a test that stops members leaves the others running, and every test works
with whichever members run when it starts."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from orchestrator.errors import RollupError
from orchestrator.jsonrpc.client import call
from orchestrator.l2.params import L2_RECORD_BYTES
from orchestrator.prover.profiles import BlockProver
from orchestrator.testing.devnets import write_settlement_devnet
from orchestrator.testing.running import RunningRollup, running_rollup, start_members
from orchestrator.wallet.actions import l1_balance
from orchestrator.wallet.keys import load_wallet
from tests.helpers import run_rollup, wait_until
from tests.scrape import Scrape, get, health

ETHER = 10**18

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def rollup(tmp_path_factory: pytest.TempPathFactory, validium_prover: BlockProver) -> Iterator[RunningRollup]:
    tmp = tmp_path_factory.mktemp("validium")
    path = write_settlement_devnet(tmp, 2, 983000, committee=(2, 3))
    with running_rollup(path, tmp / "home") as running:
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


def test_each_member_serves_metrics_and_health(rollup: RunningRollup) -> None:
    """Scraped from the real member processes: the signatures each gave for a new block, the blocks it
    holds, a store request refused (not the operator's), and its health."""
    assert rollup.config.committee is not None
    members = {m.name: m.url for m in rollup.config.committee.members if rollup.members[m.name].running()}
    assert len(members) >= 2  # the threshold: a test that stops members leaves enough running
    before = {name: Scrape(url) for name, url in members.items()}
    _cli(rollup, "account", "create", "mila")
    _cli(rollup, "deposit", "mila", "0.1", "ETH", "--chain", "beta", "--no-wait")  # a block to sign

    def signed() -> bool:
        now = {name: Scrape(url).value("rollup_dac_signatures_total") for name, url in members.items()}
        return all(now[name] > before[name].value("rollup_dac_signatures_total") for name in members)

    wait_until(signed, 120, "every running member to sign the deposit's block")
    name, url = sorted(members.items())[0]
    section = bytes(rollup.config.rollup.circuit.n_tx * L2_RECORD_BYTES)
    data_hash = "0x" + hashlib.sha256(section).hexdigest()
    with pytest.raises(RollupError, match="not by the operator"):  # a stranger's request (no signature)
        call(url, "dac_store", 1, "0x" + section.hex(), data_hash, "0x" + "00" * 65, daemon="member")

    def refused(scrape: Scrape, reason: str) -> float:
        return scrape.value("rollup_dac_store_refused_total", reason=reason)

    assert refused(Scrape(url), "unauthorized") == refused(before[name], "unauthorized") + 1
    for name, url in members.items():
        now = Scrape(url)
        assert now.value("rollup_dac_blocks_held") >= 1, name
        assert refused(now, "invalid_params") == refused(before[name], "invalid_params"), name
        status, doc = health(url)
        assert status == 200 and doc["daemon"] == f"dac-{name}" and doc["ok"] is True, doc
        assert doc["member"] == name and doc["blocks_held"] >= 1
    assert get(url + "/metrics/")[0] == 404


def test_the_explorer_shows_the_committee_and_what_it_signed(rollup: RunningRollup) -> None:
    """The explorer's data (read in this process, as its server would): each running member's health, the
    threshold, the blocks the sequencer holds signed, and the Validium primary's chain."""
    from orchestrator.explorer.details import committee
    from orchestrator.explorer.model import Explorer

    _cli(rollup, "account", "create", "xena")
    _cli(rollup, "deposit", "xena", "0.5", "ETH", "--chain", "beta")  # a block the committee signs
    explorer = Explorer(rollup.config, rollup.home)
    try:
        snapshot = explorer.refresh()
        assert snapshot["mode"] == "validium"
        assert [c["role"] for c in snapshot["chains"]] == ["primary", "secondary"]
        assert any(b["chains"]["alpha"].get("committed") for b in snapshot["blocks"]), snapshot["blocks"]
        found = committee(explorer)
        assert found is not None and found["threshold"] == 2
        assert found["signed_blocks"] >= 1 and found["last_signed_block"] >= 1
        health = {m["name"]: m["health"] for m in found["members"]}
        running = [name for name, member in rollup.members.items() if member.running()]
        assert running, rollup.members
        for name in running:
            assert health[name]["sections"] >= 1 and health[name]["signatures"] >= 1, health
        for name in set(health) - set(running):
            assert "error" in health[name]  # a stopped member is named as not answering, not skipped
    finally:
        explorer.close()
