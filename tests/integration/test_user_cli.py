"""The user's verbs from the command line, against live chains and the real daemon processes (issue 11,
points 4, 8, 9, 13, 14, 15): a typo never moves funds, refusals speak the user's units and names, `--wait`
shows each stage on each chain, and what must work without the sequencer does.

Each test makes its own wallets, so the tests share one running rollup but no state.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orchestrator.errors import TxRejected
from orchestrator.prover.profiles import BlockProver
from orchestrator.testing.devnets import write_settlement_devnet
from orchestrator.testing.running import RunningRollup, running_rollup
from orchestrator.wallet.actions import l1_balance, own_account, pending_balance, sign_withdraw
from orchestrator.wallet.keys import load_wallet
from tests.helpers import assert_one_error_line, run_rollup, wait_until
from tests.scrape import Scrape, get, health

pytestmark = pytest.mark.integration

ETHER = 10**18


@pytest.fixture(scope="module")
def rollup(tmp_path_factory: pytest.TempPathFactory, test_prover: BlockProver) -> Iterator[RunningRollup]:
    tmp: Path = tmp_path_factory.mktemp("cli")
    with running_rollup(write_settlement_devnet(tmp, 3, 964000), tmp / "home") as running:
        yield running


def _cli(rollup: RunningRollup, *args: str, ok: bool = True) -> str:
    result = run_rollup(*args, config=rollup.config_path, home=rollup.home, timeout=600)
    if ok:
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stdout + result.stderr
        return result.stdout
    return assert_one_error_line(result)


def _wallet_with_eth(rollup: RunningRollup, name: str, amount: str, chain: str) -> None:
    _cli(rollup, "account", "create", name)
    assert "spendable on L2" in _cli(rollup, "deposit", name, amount, "ETH", "--chain", chain)


def _unchanged(rollup: RunningRollup, name: str) -> tuple[object, ...]:
    """What a refused command must leave as it was: the wallet's L2 account and the sequencer's queue."""
    client = rollup.client
    account = own_account(client, load_wallet(rollup.home, name), rollup.net.token("ETH"))
    status = client.status()
    return account["pending_nonce"], account["pending_balance"], status["mempool"], status["last_block"]


def test_withdraw_to_takes_a_wallet_name_or_a_full_checked_address_and_nothing_else(
    rollup: RunningRollup,
) -> None:
    _wallet_with_eth(rollup, "wendy", "1", "beta")
    _cli(rollup, "account", "create", "walt")
    before = _unchanged(rollup, "wendy")
    wendy = load_wallet(rollup.home, "wendy").address
    bad_checksum = wendy[:2] + (wendy[2:].swapcase() if wendy[2:] != wendy[2:].swapcase() else wendy[2:])
    bad_checksum = bad_checksum[:2] + bad_checksum[2].swapcase() + bad_checksum[3:]
    for to, fragment in (
        ("nobody", "no wallet named 'nobody'"),  # was a 31-line traceback
        ("0x1234", "exactly 40 hex digits"),  # was paid to 0x...1234
        (wendy + "00", "exactly 40 hex digits"),
        (bad_checksum, "checksum"),
        ("0x" + "g" * 40, "exactly 40 hex digits"),
    ):
        line = _cli(rollup, "withdraw", "wendy", "0.1", "ETH", "--chain", "beta", "--to", to, ok=False)
        assert fragment in line, (to, line)
    assert _unchanged(rollup, "wendy") == before
    # a wallet name pays that wallet; an all-lowercase full address carries no checksum and is accepted
    walt = load_wallet(rollup.home, "walt").address
    for to, paid_to in (("walt", walt), (walt.lower(), walt)):
        out = _cli(rollup, "withdraw", "wendy", "0.1", "ETH", "--chain", "beta", "--to", to, "--no-wait")
        tx_hash = re.search(r"accepted: (0x[0-9a-f]{64})", out)
        assert tx_hash is not None, out
        block = rollup.client.wait_block(tx_hash.group(1))
        ops = rollup.client.block(block)["ops"]
        assert any(op["type"] == "withdraw" and op["address"] == paid_to.lower() for op in ops), ops


def test_a_deposit_to_another_wallet_names_its_key_and_address(rollup: RunningRollup) -> None:
    """Fay pays, Quin owns: the account is found by Quin's key and Quin's L1 address (issue 14 point 7)."""
    _cli(rollup, "account", "create", "fay")
    _cli(rollup, "account", "create", "quin")
    line = _cli(rollup, "deposit", "fay", "1", "ETH", "--chain", "beta", "--to", "nobody", ok=False)
    assert "no wallet 'nobody'" in line
    out = _cli(rollup, "deposit", "fay", "0.5", "ETH", "--chain", "beta", "--to", "quin")
    assert "fay's deposit of 0.5 ETH to quin queued on beta" in out and "quin's ETH account" in out
    eth = rollup.net.token("ETH")
    quin = own_account(rollup.client, load_wallet(rollup.home, "quin"), eth)
    assert int(quin["balance"]) == 5 * 10**17
    assert quin["address"].lower() == load_wallet(rollup.home, "quin").address.lower()
    assert rollup.client.accounts_of(load_wallet(rollup.home, "fay").address) == []
    doc = json.loads(_cli(rollup, "balance", "quin", "--json"))  # docs/json.md, rollup.balance/1
    assert doc["schema"] == "rollup.balance/1" and doc["wallet"] == "quin" and doc["l2_error"] is None
    assert [(a["token"], a["balance"]) for a in doc["l2"]] == [("ETH", str(5 * 10**17))]
    assert doc["address"].lower() == load_wallet(rollup.home, "quin").address.lower()
    names = {c.name for c in rollup.config.chains}
    assert {row["chain"] for row in doc["l1"]} == names and all(row["balance"].isdigit() for row in doc["l1"])


def test_refusals_speak_token_units_and_names_and_change_nothing(rollup: RunningRollup) -> None:
    _wallet_with_eth(rollup, "rita", "5", "beta")
    _wallet_with_eth(rollup, "ravi", "0.1", "beta")
    _cli(rollup, "deposit", "ravi", "10", "USDC", "--chain", "beta", "--mint")
    _cli(rollup, "account", "create", "rex")
    usdc = rollup.net.token("USDC")
    ravi_usdc = str(own_account(rollup.client, load_wallet(rollup.home, "ravi"), usdc)["index"])
    before = _unchanged(rollup, "rita")
    cases = [
        (("transfer", "rita", "-1", "ETH", "--to", "ravi"), "must be positive"),  # was "No such option"
        (("transfer", "rita", "50", "ETH", "--to", "ravi"), "holds 5 ETH: it cannot send 50 ETH"),
        (("transfer", "rita", "0.1", "ETH", "--to", ravi_usdc), f"account {ravi_usdc} holds USDC, not ETH"),
        (("transfer", "rita", "0.1", "ETH", "--to", "rex"), "rex has no L2 account for ETH"),
        (("transfer", "rita", "0.1", "USDC", "--to", "ravi"), "rita has no L2 account for USDC"),
        (("transfer", "rita", "1e40", "ETH", "--to", "ravi"), "more than an L2 balance can hold"),
        (("transfer", "rita", "0.123456789123", "ETH", "--to", "ravi"), "at most 10 significant digits"),
        (("withdraw", "rita", "4.5", "ETH", "--chain", "gamma"), "gamma's vault can pay out"),
        (("withdraw", "rita", "-0.1", "ETH", "--chain", "beta"), "must be positive"),
        (("deposit", "rita", "1000", "ETH", "--chain", "alpha"), "holds 100 ETH on alpha, less than 1000"),
        (("deposit", "rita", "1", "USDC", "--chain", "gamma"), "chain gamma has no USDC"),
    ]
    for args, fragment in cases:
        line = _cli(rollup, *args, ok=False)
        assert fragment in line, (args, line)
        assert not re.search(r"\d{12,}", line.replace("0x", "")) or "significant" in line, line  # no wei
    assert _unchanged(rollup, "rita") == before


def test_wait_shows_every_stage_on_every_chain_involved(rollup: RunningRollup) -> None:
    _wallet_with_eth(rollup, "pia", "1", "beta")
    out = _cli(rollup, "withdraw", "pia", "0.3", "ETH", "--chain", "beta")
    stages = ["committed on alpha", "proven on alpha", "synchronized on alpha", "executed on alpha"]
    stages += ["committed on beta", "synchronized on beta", "executed on beta", "paid on beta"]
    for line in stages:
        assert re.search(rf"\d+\.\d s  (block \d+ )?{line}", out), (line, out)
    assert "0.3 ETH paid to pia on beta" in out


def test_what_needs_no_sequencer_works_while_it_is_down(rollup: RunningRollup) -> None:
    net, client = rollup.net, rollup.client
    eth, gamma = net.token("ETH"), net.chain("gamma")
    primary = net.rollup(net.config.primary).functions
    # odin's L2 account is known only to L1 data: deposited with --no-wait, so his wallet kept no record
    _cli(rollup, "account", "create", "odin")
    _cli(rollup, "deposit", "odin", "1", "ETH", "--chain", "beta", "--no-wait")
    odin = load_wallet(rollup.home, "odin")
    wait_until(lambda: _account(rollup, "odin") is not None, 60, "odin's deposit in a block")
    index = int(str(own_account(client, odin, eth)["index"]))
    last = client.status()["last_block"]
    wait_until(lambda: int(primary.lastCommittedBlock().call()) >= last, 60, "odin's deposit committed")

    rollup.sequencer.stop()
    try:  # the exit the sequencer cannot refuse, asked on gamma, whose vault cannot pay odin's 1 ETH
        out = _cli(rollup, "full-exit", "odin", "ETH", "--chain", "gamma")
        assert f"account {index} (from L1 data)" in out and "the sequencer is not running" in out, out
    finally:
        rollup.start_sequencer()
    # gamma's vault covers what it can at once; the rest waits in gamma's ETH line (docs/security.md)
    rollup_gamma = net.rollup(gamma).functions

    def owed() -> int:
        return pending_balance(net, gamma, eth, odin.address) + _waiting(rollup_gamma, odin.address)

    wait_until(lambda: owed() == ETHER, 240, "the exit executed")
    covered = pending_balance(net, gamma, eth, odin.address)
    shown = _cli(rollup, "balance", "odin")
    pending_shown = eth.format(covered) if covered else "-"
    assert re.search(rf"gamma +│ ETH +│ [0-9.]+ ETH +│ {pending_shown}", shown), shown

    _cli(rollup, "account", "create", "liv")
    rollup.sequencer.stop()
    try:
        # a deposit while the sequencer is down: locked in the queue until it runs (was: an error, exit 1);
        # its funds are liv's until a block executes it: they pay no one's line before that
        out = _cli(rollup, "deposit", "liv", "2", "ETH", "--chain", "gamma")
        assert "the sequencer is not running" in out and "locked in gamma's priority queue" in out, out
        if covered:
            assert f"claimed {eth.format(covered)} for odin" in _cli(
                rollup, "claim", "odin", "ETH", "--chain", "gamma"
            )
        line = _cli(rollup, "claim", "odin", "ETH", "--chain", "gamma", ok=False)
        assert "nothing pending in ETH on gamma" in line and "wait for funds there" in line
    finally:
        rollup.start_sequencer()
    wait_until(lambda: _account(rollup, "liv") is not None, 120, "liv's deposit credited")
    # liv's executed deposit funds the line: odin's claim serves it, then pulls the rest of his 1 ETH
    before = l1_balance(net, gamma, eth, odin.address)
    rest = ETHER - covered
    wait_until(lambda: int(rollup_gamma.serveShortfalls(0, 50).call()) >= rest, 120, "the line funded")
    assert f"claimed {eth.format(rest)} for odin" in _cli(rollup, "claim", "odin", "ETH", "--chain", "gamma")
    assert before < l1_balance(net, gamma, eth, odin.address) < before + rest
    wait_until(lambda: _account(rollup, "liv") is not None, 120, "liv's deposit credited")


def _waiting(rollup: Any, owner: str) -> int:
    """What `owner` waits for in a rollup's ETH line of shortfalls."""
    head, tail = int(rollup.shortfallHead(0).call()), int(rollup.shortfallTail(0).call())
    entries = [rollup.shortfalls(0, i).call() for i in range(head, tail)]
    return sum(int(amount) for who, amount in entries if str(who).lower() == owner.lower())


def _account(rollup: RunningRollup, name: str) -> object:
    from orchestrator.wallet.resolve import UserError

    try:
        return own_account(rollup.client, load_wallet(rollup.home, name), rollup.net.token("ETH"))
    except UserError:
        return None


def test_the_sequencer_and_the_relayer_serve_metrics_and_health(rollup: RunningRollup) -> None:
    """The real daemons' GET /metrics, scraped as Prometheus would, count what they did: an L2
    transaction accepted and one refused (by its rule), the blocks built and proven, each chain's stages,
    the payout, the relayer's deliveries; GET /health says they are ok (docs/daemons.md)."""
    seq, rel = rollup.config.sequencer.rpc_url, rollup.config.relayer.metrics_url
    names = [c.name for c in rollup.config.chains]
    before, relayed = Scrape(seq), Scrape(rel)
    # deposits on gamma and beta, then a withdrawal on gamma: blocks on every chain
    _wallet_with_eth(rollup, "mona", "1", "gamma")
    _cli(rollup, "deposit", "mona", "0.5", "ETH", "--chain", "beta", "--no-wait")
    wallet, eth, gamma = load_wallet(rollup.home, "mona"), rollup.net.token("ETH"), rollup.net.chain("gamma")
    first, stale = (sign_withdraw(rollup.client, wallet, eth, gamma, ETHER // n) for n in (4, 5))
    tx_hash = rollup.client.send(first)
    with pytest.raises(TxRejected) as refused:
        rollup.client.send(stale)  # signed with the same nonce, now taken
    assert refused.value.code == "bad_nonce"

    def passed(scrape: Scrape, chain: str, stage: str) -> float:
        return scrape.value("rollup_sequencer_stage_latency_seconds_count", chain=chain, stage=stage)

    def settled() -> bool:
        now = Scrape(seq)
        executed = all(passed(now, c, "executed") > passed(before, c, "executed") for c in names)
        return executed and passed(now, "gamma", "paid") > passed(before, "gamma", "paid")

    wait_until(settled, 180, "every chain's executed stage and gamma's payout in the latency histogram")
    after = Scrape(seq)

    def grew(name: str, **labels: str) -> float:
        return after.value(name, **labels) - before.value(name, **labels)

    assert grew("rollup_sequencer_transactions_accepted_total", kind="withdraw") == 1
    assert grew("rollup_sequencer_transactions_accepted_total", kind="transfer") == 0
    assert grew("rollup_sequencer_transactions_refused_total", reason="bad_nonce") == 1
    for histogram in ("rollup_sequencer_block_build_seconds", "rollup_sequencer_proof_seconds"):
        assert grew(histogram + "_count") >= 2 and grew(histogram + "_sum") > 0, histogram
    assert after.value("rollup_sequencer_last_block") >= rollup.client.wait_block(tx_hash)
    assert after.value("rollup_sequencer_mempool_transactions") >= 0
    assert after.value("rollup_sequencer_proof_queue_blocks") >= 0
    for chain in names:
        assert [s.value for s in after.samples("rollup_exodus_active", chain=chain)] == [0.0]
        assert len(after.samples("rollup_sequencer_payouts_waiting", chain=chain)) == 1
        assert after.value("rollup_sequencer_chain_blocks", chain=chain, stage="executed") >= 1
    status, doc = health(seq)
    assert status == 200 and doc["daemon"] == "sequencer" and doc["ok"] is True and doc["reason"] is None
    assert doc["last_block"] >= 1 and doc["last_round_s_ago"] < 30
    assert get(seq + "/nope")[0] == 404

    # the relayer carried those blocks' sync reports and confirmations
    now = Scrape(rel)
    for counter in ("rollup_relayer_delivery_attempts_total", "rollup_relayer_messages_delivered_total"):
        assert now.value(counter) > relayed.value(counter), counter
    seen = "rollup_relayer_messages_seen_total"
    assert now.value(seen, source="gamma") > relayed.value(seen, source="gamma")
    assert {s.labels["destination"] for s in now.samples("rollup_relayer_messages_waiting")} == set(names)
    assert [s.value for s in now.samples("rollup_exodus_active")] == [0.0] * len(names)
    status, doc = health(rel)
    assert status == 200 and (doc["daemon"], doc["ok"]) == ("relayer", True) and doc["given_up"] == 0
    assert get(rel + "/health/x")[0] == 404
