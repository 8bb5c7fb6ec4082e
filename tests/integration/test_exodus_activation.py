"""Exodus on live chains (docs/exodus.md sections 1-3): a missed deadline on a secondary starts exodus
there; the notice reaches the primary through the messenger, the primary fixes R (its last synchronized
block) and tells every secondary. Then no stage moves on any chain, anyone executes the blocks at or below
R, every chain's vault holds its value at R, and deposits no block at or below R included are refunded
where they were made, once. (A request processed on time keeping exodus off: test_exodus_exits.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web3.contract.contract import ContractFunction

from orchestrator.chain.clients import Stage
from orchestrator.chain.handle import Chain
from orchestrator.l2.tx import Withdraw
from orchestrator.prover.profiles import BlockProver
from orchestrator.settlement import stages
from orchestrator.testing.users import ETHER, USERS
from orchestrator.testing.world import World, settlement_world
from tests.chain import advance_time, expect_revert, expect_revert_as

pytestmark = pytest.mark.integration

ALICE, BOB, CAROL, DAVE = (USERS[n] for n in ("alice", "bob", "carol", "dave"))
DAY = 86_400  # devnet/devnet.toml's priority_expiration_seconds


@pytest.fixture
def world(tmp_path: Path, test_prover: BlockProver) -> Iterator[World]:
    with settlement_world(tmp_path, test_prover, n=3, base_chain_id=957000) as w:
        yield w


def _execute_as(world: World, chain: Chain, key: str) -> None:
    """Execute `chain`'s blocks up to its synchronized block, sent from `key` (not the operator)."""
    r = chain.rollup
    fn = stages.execute(r, world.ledger, chain.id, r.counter(Stage.EXECUTED), r.counter(Stage.SYNCHRONIZED))
    assert fn is not None
    chain.sender(key).send(fn, label="execute")


def _refund(chain: Chain, serial: int, who: str, token: int, amount: int) -> ContractFunction:
    """refundDeposit of request `serial`, claimed as `who`'s deposit (with `who`'s pkh)."""
    pkh = next(u.pkh_bytes for u in USERS.values() if u.address == who)
    fn: ContractFunction = chain.rollup.functions.refundDeposit(serial, who, token, amount, pkh)
    return fn


def test_a_missed_deadline_on_a_secondary_stops_every_chain_at_one_reference_block(world: World) -> None:
    d = world
    alpha, beta, gamma = d.chain(1), d.chain(2), d.chain(3)
    dom = d.domain
    d.deposit_eth(alpha, ALICE, ETHER)
    d.deposit_eth(beta, BOB, ETHER)
    requests = {(r.chain, r.serial): r for r in d.new_requests()}
    d.build_block(ops=[requests[(1, 0)], requests[(2, 0)]])  # block 1: both deposits
    d.build_block(ops=[Withdraw(1, 2, BOB.address_int, 4 * ETHER // 10, 0).sign(BOB.l2_key, dom)])  # block 2
    # Blocks 1-2 synchronized and confirmed everywhere, executed nowhere: the operator stops there.
    d.commit()
    d.prove()
    d.report()
    d.relay()
    d.synchronize()
    d.relay()
    # Block 3: carol's deposit on gamma, committed on alpha and gamma only, never proven.
    d.deposit_eth(gamma, CAROL, ETHER)
    [carol_request] = d.new_requests()
    d.build_block(ops=[carol_request])
    d.commit()
    # A deposit to Dave on beta, paid by Alice, in no block at all.
    f_beta = beta.rollup.functions
    beta.sender(ALICE.l1_key).send(f_beta.depositETH(DAVE.pkh_bytes, DAVE.address), value=ETHER // 2)
    assert len(d.new_requests()) == 1

    # Before the deadline nobody can start exodus; after it, anyone can.
    expiration = beta.rollup.request_deadline(0)
    assert (
        expect_revert(beta.w3, DAVE.l1_key, beta.rollup.functions.activateExodus(), "ExodusNotDue")[0]
        == expiration
    )
    assert advance_time(beta.w3, DAY + 1) > expiration
    beta.sender(DAVE.l1_key).send(beta.rollup.functions.activateExodus(), label="activate exodus")
    assert beta.rollup.functions.exodusActive().call()
    assert not alpha.rollup.functions.exodusActive().call()  # not before the notice arrives

    # The notice reaches the primary, which fixes R and answers every secondary. (Gamma's report of block
    # 3, which its commit carried, arrives with it and changes nothing: block 3 was never proven.)
    assert d.relay() == 2
    assert alpha.rollup.functions.exodusActive().call()
    assert d.relay() == 2
    for c in (alpha, beta, gamma):
        f = c.rollup.functions
        assert f.exodusActive().call() and f.exodusReferenceSet().call(), c.name
        assert f.exodusBlock().call() == 2, c.name
        assert f.operator().call() == "0x" + "0" * 40, c.name
        # No stage moves; deposits and requests are refused; a new operator cannot be set.
        operator = d.config.keys.operator
        assert expect_revert(c.w3, operator, f.revertBlocks([]), "ExodusActive") == ()
        expect_revert(
            c.w3, ALICE.l1_key, f.depositETH(ALICE.pkh_bytes, ALICE.address), "ExodusActive", value=1
        )
        expect_revert(c.w3, ALICE.l1_key, f.requestFullExit(0, 0), "ExodusActive")
        # Nor can the owner (the timelock, after its delay) re-point anything exits depend on.
        owner = f.owner().call()
        expect_revert_as(owner, f.setOperator(ALICE.address), "ExodusActive")
        expect_revert_as(owner, f.setPeer(9, 1, ALICE.address), "ExodusActive")
        expect_revert_as(owner, f.registerToken(9, c.rollup.address, 18), "ExodusActive")
        expect_revert(c.w3, DAVE.l1_key, f.activateExodus(), "ExodusActive")
    expect_revert(beta.w3, d.config.keys.operator, beta.rollup.functions.sendSyncReport(3), "ExodusActive")
    last = d.ledger.stored(1, 3).as_tuple()
    for stage_call in (
        alpha.rollup.functions.commitBlocks(last, d.ledger.sync_hashes(3), []),
        alpha.rollup.functions.proveBlocks([], []),
        gamma.rollup.functions.commitBlocks(d.ledger.stored(3, 3).as_tuple(), []),
    ):
        assert (
            expect_revert(
                alpha.w3 if stage_call.address == alpha.rollup.address else gamma.w3,
                d.config.keys.operator,
                stage_call,
                "ExodusActive",
            )
            == ()
        )
    expect_revert(
        alpha.w3, d.config.keys.operator, stages.synchronize(alpha.rollup, d.ledger, 2), "ExodusActive"
    )
    primary = alpha.rollup.functions
    expect_revert_as(primary.owner().call(), primary.setVerifier(ALICE.address), "ExodusActive")
    # Refunds wait until every block at or below R is executed here.
    assert expect_revert(
        beta.w3, DAVE.l1_key, _refund(beta, 1, DAVE.address, 0, ETHER // 2), "ExodusNotFinished"
    ) == (2, 0)

    # Anyone executes the decided blocks: bob's withdrawal is paid on beta.
    for c in (alpha, beta):
        _execute_as(d, c, DAVE.l1_key)
        assert c.rollup.functions.exodusFinished().call(), c.name
    assert gamma.rollup.functions.exodusFinished().call()  # gamma had no block at or below R
    assert beta.rollup.pending_balance(BOB.address, 0) == 4 * ETHER // 10
    vaults = [c.rollup.functions.vault(0).call() for c in (alpha, beta, gamma)]
    assert vaults == [ETHER, 6 * ETHER // 10, 0]
    # Block 3 (above R) never executes.
    above_r = stages.execute(gamma.rollup, d.ledger, 3, 0, 3)
    assert above_r is not None
    assert expect_revert(gamma.w3, DAVE.l1_key, above_r, "BlockNotSynchronized") == (0, 3)

    # Deposits in no block at or below R come back where they were made, once, to the owner each named.
    # Alice paid for Dave's deposit, but it named Dave: the refund is his, not hers.
    mismatch = expect_revert(
        beta.w3, ALICE.l1_key, _refund(beta, 1, ALICE.address, 0, ETHER // 2), "PriorityRequestMismatch"
    )
    assert mismatch[1] != bytes(32)  # the request is there; the owner is not Alice
    beta.sender(ALICE.l1_key).send(_refund(beta, 1, DAVE.address, 0, ETHER // 2), label="refund")
    gamma.sender(ALICE.l1_key).send(_refund(gamma, 0, CAROL.address, 0, ETHER), label="refund")
    assert beta.rollup.pending_balance(DAVE.address, 0) == ETHER // 2
    assert gamma.rollup.pending_balance(CAROL.address, 0) == ETHER
    again = expect_revert(
        beta.w3, DAVE.l1_key, _refund(beta, 1, DAVE.address, 0, ETHER // 2), "PriorityRequestMismatch"
    )
    assert again[1] == bytes(32)
    # Bob's deposit was in block 1 (at or below R): it is L2 money, not refundable.
    expect_revert(beta.w3, BOB.l1_key, _refund(beta, 0, BOB.address, 0, ETHER), "PriorityRequestMismatch")
    # A refund goes to the owner the request named: another address does not match it.
    expect_revert(gamma.w3, DAVE.l1_key, _refund(gamma, 0, DAVE.address, 0, ETHER), "PriorityRequestMismatch")
