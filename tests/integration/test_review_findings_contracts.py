"""Security review findings on the contracts and the settlement driver (issue 11, points 5, 6 and 7), each
shown on live chains with real proofs: a test per finding that fails on the behaviour before the fix.

- 5: pending balances add up beyond 2^128 without making a synchronized block unexecutable.
- 6: a token address without code is never registered, and a payout to such a "token" is refused.
- 7: sync reports are the operator's; an outsider's report cannot delay synchronization, and the driver
  synchronizes the highest proven block whose reports arrived.

Each test has a world of its own (any test passes alone and in any order); blocks carry a fixed timestamp,
so the two tests that build the same blocks share their proofs (`ReusedProofs`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account

from orchestrator.chain.clients import Stage
from orchestrator.chain.connect import connect
from orchestrator.config import load_config
from orchestrator.devnet.launcher import LocalNodes
from orchestrator.errors import ChainTxError
from orchestrator.prover.profiles import BlockProver
from orchestrator.testing.users import ETHER, USERS
from orchestrator.testing.world import ReusedProofs, World, settlement_world
from tests.chain import deploy_proxied, expect_revert, transact
from tests.helpers import write_devnet

pytestmark = pytest.mark.integration

DAVE = USERS["dave"]  # an outsider: no role anywhere
T0 = int(time.time())  # the timestamp of every block built here: the same blocks, the same proofs
MAX_DEPOSIT = 2**128 - 1  # the largest deposit (and L2 balance)


@pytest.fixture(scope="module")
def prover(test_prover: BlockProver) -> ReusedProofs:
    return ReusedProofs(test_prover)


@pytest.fixture
def world(tmp_path: Path, prover: ReusedProofs) -> Iterator[World]:
    with settlement_world(tmp_path, prover, n=3, base_chain_id=953000) as w:
        w.runner.report_in_commit = False  # point 7's tests send each report on its own (sendSyncReport)
        yield w


# -- point 5 ----------------------------------------------------------------------------------------------


def test_pending_balances_add_up_past_2_128_and_the_owner_claims_them(world: World) -> None:
    """Two L2 accounts of one L1 owner each hold 2^128 - 1 USDC and full-exit on beta in one block: the
    credits sum past 2^128. A 128-bit pending balance overflowed there, and the block, synchronized and so
    never revertible, could never execute."""
    d, beta, alice = world, world.chain(2), USERS["alice"]
    usdc = beta.token("USDC")
    for _ in range(2):  # the second deposit cannot join the first account: a new one takes it
        world.deposit_token(beta, alice, "USDC", MAX_DEPOSIT)
    d.build_block(ops=d.new_requests(), timestamp=T0)
    d.settle()
    accounts = [i for i, a in d.state.items() if a.eth_address == alice.address_int]
    assert accounts == [0, 1] and all(d.state.account(i).balance == MAX_DEPOSIT for i in accounts)

    for index in accounts:
        beta.sender(alice.l1_key).send(beta.rollup.functions.requestFullExit(index, 1), label="full exit")
    d.build_block(ops=d.new_requests(), timestamp=T0)
    d.settle()
    assert beta.rollup.counter(Stage.EXECUTED) == 2
    f = beta.rollup.functions
    assert f.pendingBalances(alice.address, 1).call() == 2 * MAX_DEPOSIT
    before = usdc.functions.balanceOf(alice.address).call()
    beta.sender(DAVE.l1_key).send(f.withdrawPendingBalance(alice.address, 1))  # anyone may push it
    assert usdc.functions.balanceOf(alice.address).call() - before == 2 * MAX_DEPOSIT
    assert usdc.functions.balanceOf(beta.rollup.address).call() == 0
    fn = f.withdrawPendingBalance(alice.address, 1)
    assert expect_revert(beta.w3, DAVE.l1_key, fn, "NothingPending") == (alice.address, 1)


# -- point 6 ----------------------------------------------------------------------------------------------


def test_a_token_address_without_code_is_refused(tmp_path: Path) -> None:
    """A call to an address without code succeeds: such a "token" would take deposits that pay nothing and
    payouts that move nothing. Registration refuses it; a payout refuses it too (a test hook maps one)."""
    path, _ = write_devnet(tmp_path, n=1, base_chain_id=954000)
    config = load_config(path)
    with LocalNodes(config, tmp_path / "home"):
        w3 = connect(config.chains[0])
        owner, operator = config.keys.deployer, config.keys.operator
        operator_address = Account.from_key(operator).address
        owner_address = Account.from_key(owner).address
        init = [owner_address, operator_address, owner_address, bytes(32)]
        rollup = deploy_proxied(w3, owner, "QueueHarness", [(2, 8, 100, 25, 0, operator_address)], init)
        f, eoa = rollup.functions, DAVE.address
        assert expect_revert(w3, owner, f.registerToken(5, eoa, 6), "TokenHasNoCode") == (5, eoa)
        assert f.tokenAddress(5).call() == "0x" + "00" * 20

        receiver = Account.create().address
        transact(w3, operator, f.testMapToken(5, eoa))
        transact(w3, operator, f.testCredit(receiver, 5, 1000))
        payout = f.withdrawPendingBalance(receiver, 5)
        assert expect_revert(w3, DAVE.l1_key, payout, "TokenHasNoCode") == (5, eoa)
        assert f.pendingBalances(receiver, 5).call() == 1000  # still owed


# -- point 7 ----------------------------------------------------------------------------------------------


def _two_beta_blocks_committed_first_proven(world: World) -> None:
    """Blocks 1 and 2, each with a deposit of bob's on beta, committed everywhere; only block 1 proven."""
    d, beta, bob = world, world.chain(2), USERS["bob"]
    for _ in range(2):
        world.deposit_eth(beta, bob, ETHER)
    first, second = d.new_requests()
    d.build_block(ops=[first], timestamp=T0)
    d.build_block(ops=[second], timestamp=T0)
    d.commit()
    d.prove(max_blocks=1)
    assert beta.rollup.counter(Stage.COMMITTED) == 2 and world.chain(1).rollup.counter(Stage.PROVEN) == 1


def test_an_outsiders_report_does_not_delay_synchronization(world: World) -> None:
    """Block 1 is proven; an outsider reports beta's block 2. When anyone could, the report raised beta's
    floor to 2: the operator could no longer report block 1, and nothing synchronized until block 2 was
    proven. Reports are the operator's now: block 1 synchronizes at once."""
    d, alpha, beta = world, world.chain(1), world.chain(2)
    _two_beta_blocks_committed_first_proven(world)
    outsider = beta.rollup.functions.sendSyncReport(2)
    try:
        beta.sender(DAVE.l1_key).send(outsider, label="outsider's report")
        refused = None
    except ChainTxError as exc:
        refused = exc.error
    d.relay()  # whatever the outsider got sent arrives first

    d.report()
    d.relay()
    d.synchronize()
    assert alpha.rollup.counter(Stage.SYNCHRONIZED) == 1
    assert refused == "Unauthorized"
    operator = Account.from_key(d.operator).address
    assert expect_revert(beta.w3, DAVE.l1_key, outsider, "Unauthorized") == (operator, DAVE.address)

    d.settle()  # block 2 proven, reported, synchronized, executed everywhere
    assert [c.rollup.counter(Stage.EXECUTED) for c in d.chains.values()] == [2, 2, 0]


def test_the_driver_synchronizes_the_highest_block_whose_reports_arrived(world: World) -> None:
    """Block 1's report arrived; block 2 got proven and its report is still travelling. The driver used to
    wait for the report of the last proven block; now it synchronizes block 1 meanwhile, then block 2."""
    d, alpha, beta = world, world.chain(1), world.chain(2)
    _two_beta_blocks_committed_first_proven(world)
    d.report()
    d.relay()
    d.prove()
    assert alpha.rollup.counter(Stage.PROVEN) == 2
    d.report()  # block 2's report leaves beta; not relayed yet
    assert beta.rollup.functions.lastReportedBlock().call() == 2
    assert alpha.rollup.functions.syncReports(2, 2).call() == bytes(32)

    d.synchronize()
    assert alpha.rollup.counter(Stage.SYNCHRONIZED) == 1
    assert alpha.rollup.functions.syncReports(2, 1).call() == bytes(32)  # used up
    d.relay()  # block 2's report and block 1's confirmation
    assert beta.rollup.counter(Stage.SYNCHRONIZED) == 1
    d.synchronize()
    assert alpha.rollup.counter(Stage.SYNCHRONIZED) == 2
    d.relay()
    d.execute()
    assert [c.rollup.counter(Stage.EXECUTED) for c in d.chains.values()] == [2, 2, 0]
