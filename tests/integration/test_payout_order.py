"""Payouts in execution order (issue 14 point 8, docs/security.md): a full exit cannot be refused, so a
large holder could full-exit on a chain with a small vault and, by withdrawing first, take the funds an
earlier withdrawal there was promised. Now the vault's funds are reserved for credits in execution order;
the part it cannot cover waits in its token's line and is paid, partly if need be, as deposits refill it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from orchestrator.chain.handle import Chain
from orchestrator.l2.params import ETH_TOKEN
from orchestrator.l2.tx import Withdraw
from orchestrator.prover.profiles import BlockProver
from orchestrator.testing.users import ETHER, USERS, User
from orchestrator.testing.world import World, settlement_world
from tests.chain import transact

pytestmark = pytest.mark.integration

ALICE, BOB, CAROL, DAVE = (USERS[n] for n in ("alice", "bob", "carol", "dave"))
TENTH = ETHER // 10


@pytest.fixture
def world(tmp_path: Path, test_prover: BlockProver) -> Iterator[World]:
    with settlement_world(tmp_path, test_prover, n=2, base_chain_id=979000) as w:
        yield w


def _account(world: World, user: User) -> int:
    index = world.state.find_account(user.pkh, user.address_int, ETH_TOKEN)
    assert index is not None
    return index


def _eth(chain: Chain, address: str) -> int:
    return int(chain.w3.eth.get_balance(Web3.to_checksum_address(address)))


def test_a_large_full_exit_cannot_take_what_an_earlier_withdrawal_was_promised(world: World) -> None:
    d, alpha, beta = world, world.chain(1), world.chain(2)
    f = beta.rollup.functions
    d.deposit_eth(beta, BOB, 10 * TENTH)  # beta's vault: 1 ETH
    d.deposit_eth(alpha, ALICE, 9 * TENTH)  # alice holds 0.9 ETH on L2, all of it from alpha
    d.build_block(ops=d.new_requests())
    bob_withdraws = Withdraw(_account(d, BOB), 2, BOB.address_int, 4 * TENTH, 0).sign(BOB.l2_key, d.domain)
    d.build_block(ops=[bob_withdraws])
    d.settle()
    assert f.pendingBalances(BOB.address, ETH_TOKEN).call() == 4 * TENTH  # promised; beta's vault: 0.6
    # alice full-exits her 0.9 on beta, which cannot be refused: 0.6 is covered, 0.3 waits in line
    beta.sender(ALICE.l1_key).send(f.requestFullExit(_account(d, ALICE), ETH_TOKEN), label="full exit")
    d.build_block(ops=d.new_requests())
    d.settle()
    assert f.pendingBalances(ALICE.address, ETH_TOKEN).call() == 6 * TENTH
    assert f.shortfalls(ETH_TOKEN, 0).call() == [ALICE.address, 3 * TENTH]
    assert f.shortfallTotal(ETH_TOKEN).call() == 3 * TENTH
    # alice takes her covered part first; bob's promise still pays in full
    transact(beta.w3, DAVE.l1_key, f.withdrawPendingBalance(ALICE.address, ETH_TOKEN))
    bob_before = _eth(beta, BOB.address)
    transact(beta.w3, DAVE.l1_key, f.withdrawPendingBalance(BOB.address, ETH_TOKEN))
    assert _eth(beta, BOB.address) - bob_before == 4 * TENTH
    # nothing funds the line yet
    assert f.serveShortfalls(ETH_TOKEN, 10).call() == 0
    # carol's 0.2 deposit funds part of it: alice's shortfall is paid partly, then in full after 0.2 more
    d.deposit_eth(beta, CAROL, 2 * TENTH)
    d.build_block(ops=d.new_requests())
    d.settle()
    transact(beta.w3, DAVE.l1_key, f.serveShortfalls(ETH_TOKEN, 10))
    assert f.pendingBalances(ALICE.address, ETH_TOKEN).call() == 2 * TENTH
    assert f.shortfalls(ETH_TOKEN, 0).call() == [ALICE.address, TENTH]
    d.deposit_eth(beta, CAROL, 2 * TENTH)
    d.build_block(ops=d.new_requests())
    d.settle()
    transact(beta.w3, DAVE.l1_key, f.serveShortfalls(ETH_TOKEN, 10))
    assert f.pendingBalances(ALICE.address, ETH_TOKEN).call() == 3 * TENTH
    assert f.shortfallTotal(ETH_TOKEN).call() == 0 and f.shortfallHead(ETH_TOKEN).call() == 1
    alice_before = _eth(beta, ALICE.address)
    transact(beta.w3, DAVE.l1_key, f.withdrawPendingBalance(ALICE.address, ETH_TOKEN))
    assert _eth(beta, ALICE.address) - alice_before == 3 * TENTH
