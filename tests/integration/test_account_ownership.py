"""Who may force an account out (issue 14 point 7, docs/security.md): the account's owner, never whoever
paid for its first deposit. A deposit names the receiver's L2 key and L1 address; the sender only pays.

The review's case: Alice funded Bob's key, Carol then paid Bob on L2, and Alice's full exit took it all
while Bob's own got nothing, because the account's L1 address was the one that sent the deposit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web3.logs import DISCARD

from orchestrator.l2.params import ETH_TOKEN
from orchestrator.l2.tx import Transfer
from orchestrator.prover.profiles import BlockProver
from orchestrator.testing.users import ETHER, USERS
from orchestrator.testing.world import World, settlement_world

pytestmark = pytest.mark.integration

ALICE, BOB, CAROL = (USERS[n] for n in ("alice", "bob", "carol"))


@pytest.fixture
def world(tmp_path: Path, test_prover: BlockProver) -> Iterator[World]:
    with settlement_world(tmp_path, test_prover, n=2, base_chain_id=981000) as w:
        yield w


def test_only_the_named_owner_can_force_an_account_out(world: World) -> None:
    d, beta = world, world.chain(2)
    f = beta.rollup.functions
    # Alice pays for a deposit to Bob: it names Bob's key and Bob's L1 address.
    receipt = beta.sender(ALICE.l1_key).send(f.depositETH(BOB.pkh_bytes, BOB.address), value=ETHER)
    [queued] = beta.rollup.events.PriorityRequestQueued().process_receipt(receipt, errors=DISCARD)
    assert queued["args"]["account"] == BOB.address
    d.deposit_eth(beta, CAROL, 5 * ETHER)
    d.build_block(ops=d.new_requests())
    bob = d.state.find_account(BOB.pkh, BOB.address_int, ETH_TOKEN)
    carol = d.state.find_account(CAROL.pkh, CAROL.address_int, ETH_TOKEN)
    assert bob is not None and carol is not None
    assert d.state.find_account(BOB.pkh, ALICE.address_int, ETH_TOKEN) is None  # no account is Alice's
    d.build_block(transfers=[Transfer(carol, bob, 5 * ETHER, 0).sign(CAROL.l2_key, d.domain)])
    # Alice asks first for Bob's whole balance; then Bob asks.
    beta.sender(ALICE.l1_key).send(f.requestFullExit(bob, ETH_TOKEN), label="alice's full exit")
    beta.sender(BOB.l1_key).send(f.requestFullExit(bob, ETH_TOKEN), label="bob's full exit")
    d.build_block(ops=d.new_requests())
    d.settle()
    assert f.pendingBalances(ALICE.address, ETH_TOKEN).call() == 0
    assert f.pendingBalances(BOB.address, ETH_TOKEN).call() == 6 * ETHER
    assert d.state.account(bob).balance == 0
