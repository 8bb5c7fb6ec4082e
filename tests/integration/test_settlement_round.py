"""A whole round on three live chains, no daemons: deposits on each chain, blocks with transfers and
withdrawals to every chain, real proofs of the `test` circuit verified on the primary, sync reports and
confirmations through attested messages, execution, and withdrawals paid on each chain; then a full exit
requested on a secondary is processed and paid there."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from web3 import Web3

from orchestrator.chain.clients import Stage
from orchestrator.chain.handle import Chain
from orchestrator.l2.tx import Transfer, Withdraw
from orchestrator.prover.profiles import BlockProver
from orchestrator.testing.users import ETHER, USERS
from orchestrator.testing.world import World, settlement_world
from tests.chain import expect_revert

pytestmark = pytest.mark.integration

USDC = 10**6


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, test_prover: BlockProver) -> Iterator[World]:
    with settlement_world(tmp_path_factory.mktemp("round"), test_prover, n=3, base_chain_id=951000) as w:
        yield w


def test_a_whole_round_on_three_chains(world: World) -> None:
    d = world
    alpha, beta, gamma = world.chain(1), world.chain(2), world.chain(3)
    alice, bob, carol = USERS["alice"], USERS["bob"], USERS["carol"]
    dom = d.domain

    # Deposits on each chain: ETH on alpha and gamma, USDC on beta.
    world.deposit_eth(alpha, alice, 2 * ETHER)
    world.deposit_eth(gamma, carol, ETHER)
    world.deposit_token(beta, bob, "USDC", 100 * USDC)
    requests = {(r.chain, r.serial): r for r in d.new_requests()}
    assert set(requests) == {(1, 0), (3, 0), (2, 0)}

    # Block 1: alice (account 0) and carol (account 1) arrive; they pay each other on L2.
    b1 = d.build_block(
        ops=[requests[(1, 0)], requests[(3, 0)]],
        transfers=[
            Transfer(0, 1, ETHER // 2, 0).sign(alice.l2_key, dom),
            Transfer(1, 0, ETHER // 10, 0).sign(carol.l2_key, dom),
        ],
    )
    # Block 2: bob's USDC (account 2); alice withdraws to gamma; carol pays alice again.
    d.build_block(
        ops=[requests[(2, 0)], Withdraw(0, 3, alice.address_int, 6 * ETHER // 10, 1).sign(alice.l2_key, dom)],
        transfers=[Transfer(1, 0, ETHER // 5, 1).sign(carol.l2_key, dom)],
    )
    # Block 3: bob withdraws USDC to beta, carol withdraws ETH to alpha (deposited on gamma).
    d.build_block(
        ops=[
            Withdraw(2, 2, bob.address_int, 40 * USDC, 0).sign(bob.l2_key, dom),
            Withdraw(1, 1, carol.address_int, 4 * ETHER // 10, 2).sign(carol.l2_key, dom),
        ]
    )
    assert b1.number == 1 and d.ledger.last_block == 3

    d.settle()

    # Every stage on every chain: the primary holds all 3 blocks, beta blocks 2-3, gamma blocks 1-2.
    assert d.counters() == {
        "alpha": {Stage.COMMITTED: 3, Stage.PROVEN: 3, Stage.SYNCHRONIZED: 3, Stage.EXECUTED: 3},
        "beta": {Stage.COMMITTED: 3, Stage.SYNCHRONIZED: 3, Stage.EXECUTED: 3},
        "gamma": {Stage.COMMITTED: 2, Stage.SYNCHRONIZED: 2, Stage.EXECUTED: 2},
    }
    for c in (alpha, beta, gamma):
        stored = [i.block_number for i in d.ledger.blocks_of(c.id, 0)]
        for n in stored:
            on_chain = bytes(c.rollup.functions.storedBlockHashes(n).call())
            assert on_chain == d.ledger.stored(c.id, n).hash(), f"{c.config.name} block {n}"
        rollup = c.rollup.functions
        assert rollup.firstPriorityRequestId().call() == rollup.nextPriorityRequestId().call() == 1
        assert rollup.pendingPriorityRequests().call() == 0
    assert [i.block_number for i in d.ledger.blocks_of(2, 0)] == [2, 3]
    assert [i.block_number for i in d.ledger.blocks_of(3, 0)] == [1, 2]

    # Withdrawals are pending on the chain each one named; anyone may push them to their owner.
    usdc_beta = beta.token("USDC")
    paid = [(gamma, alice, 0, 6 * ETHER // 10), (alpha, carol, 0, 4 * ETHER // 10), (beta, bob, 1, 40 * USDC)]
    for chain, user, token_id, amount in paid:
        assert chain.rollup.functions.pendingBalances(user.address, token_id).call() == amount
        before = _balance(world, chain, user.address, token_id)
        chain.tx.send(chain.rollup.functions.withdrawPendingBalance(user.address, token_id))
        assert _balance(world, chain, user.address, token_id) - before == amount
        fn = chain.rollup.functions.withdrawPendingBalance(user.address, token_id)
        assert expect_revert(chain.w3, d.operator, fn, "NothingPending") == (user.address, token_id)
    assert usdc_beta.functions.balanceOf(beta.rollup.address).call() == 60 * USDC
    # The censorship-resistant way out: carol asks gamma for all her ETH; the next round pays it there.
    gamma.sender(carol.l1_key).send(gamma.rollup.functions.requestFullExit(1, 0))
    [exit_request] = d.new_requests()
    left = d.state.account(1).balance
    d.build_block(ops=[exit_request])
    d.settle()
    assert d.counters()["gamma"][Stage.EXECUTED] == 4
    # gamma's vault holds 0.4 ETH (carol's 1 less alice's 0.6): that much is carol's at once, the rest
    # waits in gamma's line until deposits there fund it (test_payout_order.py)
    g = gamma.rollup.functions
    assert left == 8 * ETHER // 10 and g.pendingBalances(carol.address, 0).call() == 4 * ETHER // 10
    assert g.shortfalls(0, 0).call() == [carol.address, left - 4 * ETHER // 10]
    assert d.state.account(1).balance == 0
    # The L2 state the proofs moved to is what every chain stored.
    root = d.state.root.to_bytes(32, "big")
    assert all(d.ledger.last_stored(c.id).state_root == root for c in (alpha, gamma))  # both hold block 4


def _balance(world: World, chain: Chain, address: str, token_id: int) -> int:
    if token_id == 0:
        return int(chain.w3.eth.get_balance(Web3.to_checksum_address(address)))
    return int(chain.token("USDC").functions.balanceOf(address).call())
