"""Payouts never stall (issue 11, point 3), on live chains with the real sequencer and relayer processes.

A payout that reverts (a receiver that refuses ETH) or that would burn more gas than the cap is recorded
with its reason and retried with back-off; it holds up no other payout: not a later one on the same chain,
not one on a chain after it in the sequencer's loop. Once the receiver accepts, the retry pays it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3

from orchestrator.prover.profiles import BlockProver
from orchestrator.sequencer.payouts import PAYOUT_GAS_CAP
from orchestrator.testing.devnets import write_settlement_devnet
from orchestrator.testing.running import RunningRollup, running_rollup
from orchestrator.testing.users import USERS
from orchestrator.wallet.actions import deposit, l1_balance, parse_amount, sign_withdraw
from tests.chain import deploy, transact
from tests.helpers import run_rollup, wait_until

pytestmark = pytest.mark.integration

REFUSE, ACCEPT, BURN = 0, 1, 2  # PayoutReceiver.Mode


@pytest.fixture(scope="module")
def rollup(tmp_path_factory: pytest.TempPathFactory, test_prover: BlockProver) -> Iterator[RunningRollup]:
    tmp: Path = tmp_path_factory.mktemp("payouts")
    with running_rollup(write_settlement_devnet(tmp, 3, 963000), tmp / "home") as running:
        yield running


def _payout(rollup: RunningRollup, tx_hash: str) -> dict[str, Any] | None:
    found = rollup.client.transaction(tx_hash).get("payout")
    return None if found is None else dict(found)


def test_a_failing_payout_holds_up_no_other_and_is_retried_until_paid(rollup: RunningRollup) -> None:
    net, client = rollup.net, rollup.client
    alpha, beta = net.chain("alpha"), net.chain("beta")
    eth = net.token("ETH")
    alice, bob = USERS["alice"], USERS["bob"]
    w3 = net.w3(alpha)
    refuser = deploy(w3, USERS["dave"].l1_key, "PayoutReceiver", REFUSE)
    burner = deploy(w3, USERS["dave"].l1_key, "PayoutReceiver", BURN)
    # liquidity: bob's ETH on alpha, alice's on beta
    for chain, user in ((alpha, bob), (beta, alice)):
        serial = deposit(net, user, chain, eth, parse_amount("1", eth))
        client.wait_request_included(chain.rollup_chain_id, serial, 120)

    tenth = parse_amount("0.1", eth)
    # first the two bad payouts on alpha (the first chain of the sequencer's loop), then good ones
    to_refuser = client.send(sign_withdraw(client, alice, eth, alpha, tenth, refuser.address))
    to_burner = client.send(sign_withdraw(client, alice, eth, alpha, tenth, burner.address))
    bob_on_beta = client.send(sign_withdraw(client, bob, eth, beta, tenth))
    bob_beta_before = l1_balance(net, beta, eth, bob.address)
    first = client.wait_block(to_refuser)
    # a payout on the same chain in a later block than the refused one
    wait_until(lambda: client.status()["last_block"] >= first, 30, "the refused withdrawal's block")
    alice_on_alpha = client.send(sign_withdraw(client, bob, eth, alpha, tenth, alice.address))
    alice_alpha_before = l1_balance(net, alpha, eth, alice.address)
    assert client.wait_block(alice_on_alpha) > first

    def paid(tx_hash: str) -> bool:
        p = _payout(rollup, tx_hash)
        return p is not None and p["status"] == "paid"

    def good_payouts_arrived() -> bool:  # read on chain: the truth
        return (
            l1_balance(net, beta, eth, bob.address) == bob_beta_before + tenth
            and l1_balance(net, alpha, eth, alice.address) == alice_alpha_before + tenth
        )

    wait_until(good_payouts_arrived, 240, "the good payouts")
    wait_until(lambda: paid(bob_on_beta) and paid(alice_on_alpha), 30, "the good payouts' records")

    refused = _payout(rollup, to_refuser)
    assert refused is not None and refused["status"] == "waiting" and refused["attempts"] >= 1
    assert "TransferFailed" in refused["error"], refused
    wait_until(lambda: (_payout(rollup, to_burner) or {}).get("attempts", 0) >= 1, 60, "the burner's try")
    burned = _payout(rollup, to_burner)
    assert burned is not None and burned["status"] == "waiting"
    assert f"over the cap of {PAYOUT_GAS_CAP}" in burned["error"], burned
    assert w3.eth.get_balance(Web3.to_checksum_address(burner.address)) == 0
    # the payouts still waiting are shown by the sequencer's status, with their reasons
    waiting = {(p["owner"], p["status"]) for p in client.status()["payouts_waiting"]}
    assert (refuser.address, "waiting") in waiting
    shown = run_rollup("status", config=rollup.config_path, home=rollup.home).stdout
    assert re.search(
        rf"payout of block \d+ to {refuser.address} \(token 0\) on alpha: attempt \d+ failed: "
        r".*TransferFailed",
        shown,
    ), shown

    # the receiver starts accepting: the back-off retry pays it, without anyone's help
    transact(w3, USERS["dave"].l1_key, refuser.functions.setMode(ACCEPT))
    wait_until(lambda: paid(to_refuser), 120, "the retried payout")
    assert w3.eth.get_balance(Web3.to_checksum_address(refuser.address)) == tenth


def test_a_deposit_flood_on_one_chain_holds_back_no_withdrawal(rollup: RunningRollup) -> None:
    """Issue 14 point 5: requests took every on-chain slot before any withdrawal, so a flood of dust
    deposits on one chain starved every chain's withdrawals. Now a withdrawal gets its share of the next
    block while the flood is still queued, and is paid."""
    net, client = rollup.net, rollup.client
    alpha, gamma = net.chain("alpha"), net.chain("gamma")
    eth = net.token("ETH")
    carol, dave = USERS["carol"], USERS["dave"]
    serial = deposit(net, carol, alpha, eth, parse_amount("1", eth))
    client.wait_request_included(alpha.rollup_chain_id, serial, 120)
    dust = net.config.rollup.eth_min_deposit
    flood = [deposit(net, dave, gamma, eth, dust) for _ in range(10)]
    before = l1_balance(net, alpha, eth, carol.address)
    tenth = parse_amount("0.1", eth)
    withdrawal = client.send(sign_withdraw(client, carol, eth, alpha, tenth))
    taken = client.wait_block(withdrawal)
    last_flood_block = max(client.wait_request_included(gamma.rollup_chain_id, s, 240) for s in flood)
    assert taken < last_flood_block, "the withdrawal waited for the whole flood"
    wait_until(
        lambda: l1_balance(net, alpha, eth, carol.address) == before + tenth, 240, "carol's withdrawal"
    )
