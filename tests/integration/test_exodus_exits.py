"""Exits on live chains (docs/exodus.md sections 3-5): after exodus, the state at R restored from the
primary's calldata alone matches the chain; an owner exits once, with a real exit proof, paid on the
primary and on a secondary (by an exit payout message) as their vaults allow; every way an exit must be
refused is refused with its named error."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from web3 import Web3

from orchestrator.chain.clients import Stage
from orchestrator.exodus.chaindata import ChainDataError
from orchestrator.exodus.exits import ChainExodus, exit_call, liquidity, report_liquidity_call
from orchestrator.exodus.restore import restore
from orchestrator.l2.exit import exit_claim
from orchestrator.l2.tx import Transfer
from orchestrator.prover.profiles import BlockProver, ExitProver
from orchestrator.testing.users import ETHER, USERS
from orchestrator.testing.world import World, settlement_world
from tests.chain import advance_time, expect_revert

pytestmark = pytest.mark.integration

ALICE, BOB, CAROL, DAVE = (USERS[n] for n in ("alice", "bob", "carol", "dave"))
DAY = 86_400


@pytest.fixture(scope="module")
def exit_prover() -> ExitProver:
    return ExitProver("test")


@pytest.fixture
def world(tmp_path: Path, test_prover: BlockProver) -> Iterator[World]:  # its own: exodus is for good
    with settlement_world(tmp_path, test_prover, n=3, base_chain_id=958000) as w:
        yield w


def _into_exodus(d: World) -> None:
    """Two settled blocks (alice 1 ETH on alpha, bob 1 ETH on beta, carol 1 ETH on gamma; alice pays carol
    0.2 ETH), then carol's full exit on gamma is never processed: exodus everywhere, R = 2."""
    alpha, beta, gamma = d.chain(1), d.chain(2), d.chain(3)
    for chain, user in ((alpha, ALICE), (beta, BOB), (gamma, CAROL)):
        d.deposit_eth(chain, user, ETHER)
    r = {(q.chain, q.serial): q for q in d.new_requests()}
    d.build_block(ops=[r[(1, 0)], r[(2, 0)]])
    d.build_block(
        ops=[r[(3, 0)]], transfers=[Transfer(0, 2, 2 * ETHER // 10, 0).sign(ALICE.l2_key, d.domain)]
    )
    d.settle()
    assert [c.rollup.counter(Stage.EXECUTED) for c in (alpha, beta, gamma)] == [2, 1, 2]
    # Requests processed on time keep exodus off, however long the chain waits afterwards.
    now = advance_time(beta.w3, 10 * DAY)
    not_due = expect_revert(beta.w3, DAVE.l1_key, beta.rollup.functions.activateExodus(), "ExodusNotDue")
    assert not_due == (0, now)
    refund = beta.rollup.functions.refundDeposit(0, BOB.address, 0, ETHER, BOB.pkh_bytes)
    assert expect_revert(beta.w3, BOB.l1_key, refund, "ExodusNotActive") == ()
    gamma.sender(CAROL.l1_key).send(gamma.rollup.functions.requestFullExit(2, 0), label="full exit")
    advance_time(gamma.w3, DAY + 1)
    gamma.sender(DAVE.l1_key).send(gamma.rollup.functions.activateExodus(), label="activate")
    assert d.relay() == 1 and d.relay() == 2
    for c in (alpha, beta, gamma):
        assert ChainExodus.read(c) == ChainExodus(True, True, 2, True), c.name


def test_restored_state_exits_once_paid_where_liquidity_allows(world: World, exit_prover: ExitProver) -> None:
    d = world
    alpha, beta, gamma = d.chain(1), d.chain(2), d.chain(3)
    _into_exodus(d)
    profile = d.config.rollup.circuit

    # The state at R from calldata alone equals the sequencer's, and the chain vouches for it; a block
    # the chain never committed cannot be restored.
    with pytest.raises(ChainDataError, match="lack commits"):
        restore(alpha, profile, 3)
    restored = restore(alpha, profile, 2)
    assert restored.state.root == d.ledger.block(2).new_root
    assert restored.stored == d.ledger.stored(1, 2)
    assert restored.records == 4 and restored.blocks == 2

    # The secondaries hand their vaults at R to the primary, once per token.
    assert liquidity(alpha, beta, 0) is None
    for c in (beta, gamma):
        c.sender(DAVE.l1_key).send(report_liquidity_call(c, 0), label="report liquidity")
    expect_revert(beta.w3, DAVE.l1_key, report_liquidity_call(beta, 0), "LiquidityAlreadyReported")
    assert d.relay() == 2
    assert [liquidity(alpha, c, 0) for c in (alpha, beta, gamma)] == [ETHER, ETHER, ETHER]

    # Alice (account 0, 0.8 ETH at R) exits: half on alpha, the rest on beta.
    alice = exit_claim(restored.state, 0)
    assert alice.leaf.balance == 8 * ETHER // 10
    proof = exit_prover.prove(alice)
    split = {1: 5 * ETHER // 10, 2: 3 * ETHER // 10}
    alpha.sender(ALICE.l1_key).send(exit_call(alpha, restored.stored, alice, proof, split), label="exit")
    assert alpha.rollup.pending_balance(ALICE.address, 0) == 5 * ETHER // 10
    assert d.relay() == 1  # the exit payout to beta
    assert beta.rollup.pending_balance(ALICE.address, 0) == 3 * ETHER // 10
    assert [liquidity(alpha, c, 0) for c in (alpha, beta)] == [5 * ETHER // 10, 7 * ETHER // 10]

    # Once only, wherever it would be paid.
    for again in ({1: alice.leaf.balance}, {3: alice.leaf.balance}):
        fn = exit_call(alpha, restored.stored, alice, proof, again)
        assert expect_revert(alpha.w3, ALICE.l1_key, fn, "AlreadyExited") == (0,)

    # Bob (account 1, 1 ETH): refusals first.
    bob = exit_claim(restored.state, 1)
    bob_proof = exit_prover.prove(bob)
    all_on = {3: ETHER}
    fn = exit_call(alpha, restored.stored, bob, bob_proof, all_on)
    assert expect_revert(alpha.w3, DAVE.l1_key, fn, "InvalidExitProof") == (1,)  # a stranger, paid to himself
    older = d.ledger.stored(1, 1)
    fn = exit_call(alpha, older, bob, bob_proof, all_on)
    assert expect_revert(alpha.w3, BOB.l1_key, fn, "ExitReferenceMismatch") == (2, 1)
    # A proof against another root (block 1's state, where bob held the same) fails against R's.
    older_state = restore(alpha, profile, 1).state
    fn = exit_call(alpha, restored.stored, bob, exit_prover.prove(exit_claim(older_state, 1)), all_on)
    assert expect_revert(alpha.w3, BOB.l1_key, fn, "InvalidExitProof") == (1,)
    forged = replace(restored.stored, state_root=d.ledger.block(1).new_root.to_bytes(32, "big"))
    fn = exit_call(alpha, forged, bob, bob_proof, all_on)
    assert expect_revert(alpha.w3, BOB.l1_key, fn, "StoredBlockMismatch")[0] == 2
    fn = exit_call(alpha, restored.stored, bob, bob_proof, {2: ETHER})
    assert expect_revert(alpha.w3, BOB.l1_key, fn, "ShortOfLiquidity") == (2, 0, 7 * ETHER // 10, ETHER)
    fn = exit_call(alpha, restored.stored, bob, bob_proof, {3: ETHER // 2})
    assert expect_revert(alpha.w3, BOB.l1_key, fn, "ExitPayoutsMismatch") == (ETHER, ETHER // 2)
    # ... then paid in full on gamma.
    gamma_before = gamma.rollup.pending_balance(BOB.address, 0)
    alpha.sender(BOB.l1_key).send(exit_call(alpha, restored.stored, bob, bob_proof, all_on), label="exit")
    assert d.relay() == 1
    assert gamma.rollup.pending_balance(BOB.address, 0) - gamma_before == ETHER
    paid = gamma.w3.eth.get_balance(Web3.to_checksum_address(BOB.address))
    gamma.sender(BOB.l1_key).send(
        gamma.rollup.functions.withdrawPendingBalance(BOB.address, 0), label="claim"
    )
    assert (
        gamma.w3.eth.get_balance(Web3.to_checksum_address(BOB.address)) > paid
    )  # the payout pays (less the claim's gas)
