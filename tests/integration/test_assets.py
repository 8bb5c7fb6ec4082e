"""One identity per L2 token across chains (issue 14 point 6, docs/security.md): a chain whose native coin
is not ETH credits its coin as its own L2 token, never as ETH; a token registers only with the decimals
its L2 token has everywhere."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from web3.logs import DISCARD

from orchestrator.errors import TxRejected
from orchestrator.l2.params import ETH_TOKEN
from orchestrator.l2.state import REJECT_UNKNOWN_TOKEN
from orchestrator.l2.tx import Deposit, Withdraw
from orchestrator.prover.profiles import BlockProver
from orchestrator.sequencer.node import SequencerNode
from orchestrator.testing.governance import enact
from orchestrator.testing.users import ETHER, USERS
from orchestrator.testing.world import World, settlement_world
from tests.chain import deploy, expect_revert, expect_revert_as

pytestmark = pytest.mark.integration

ALICE, DAVE = USERS["alice"], USERS["dave"]


@pytest.fixture
def world(tmp_path: Path, test_prover: BlockProver) -> Iterator[World]:
    # beta's native coin is "POL", an L2 token of its own, not ETH.
    with settlement_world(tmp_path, test_prover, n=2, base_chain_id=978000, natives={"beta": "POL"}) as w:
        yield w


def test_a_cheap_native_coin_never_becomes_eth(world: World) -> None:
    alpha, beta = world.chain(1), world.chain(2)
    pol = world.config.token("POL").l2_token_id
    assert beta.rollup.functions.nativeTokenId().call() == pol != ETH_TOKEN
    assert alpha.rollup.functions.nativeTokenId().call() == ETH_TOKEN
    # A deposit of beta's coin is a POL deposit.
    receipt = beta.sender(ALICE.l1_key).send(
        beta.rollup.functions.depositETH(ALICE.pkh_bytes, ALICE.address), value=ETHER
    )
    [queued] = beta.rollup.events.PriorityRequestQueued().process_receipt(receipt, errors=DISCARD)
    assert queued["args"]["tokenId"] == pol
    # ETH has no way in or out on beta: no full exit of it there, and L2 refuses a withdrawal of it there.
    f = beta.rollup.functions
    assert expect_revert(beta.w3, DAVE.l1_key, f.requestFullExit(0, ETH_TOKEN), "UnknownTokenId") == (
        ETH_TOKEN,
    )
    assert expect_revert(
        beta.w3, DAVE.l1_key, f.withdrawPendingBalance(DAVE.address, ETH_TOKEN), "NothingPending"
    )
    world.deposit_eth(alpha, ALICE, ETHER)  # ETH on alpha
    world.build_block(ops=world.new_requests())
    eth_account = world.state.find_account(ALICE.pkh, ALICE.address_int, ETH_TOKEN)
    assert eth_account is not None
    to_beta = Withdraw(eth_account, 2, ALICE.address_int, ETHER // 2, 0).sign(ALICE.l2_key, world.domain)
    with pytest.raises(TxRejected) as refused:
        world.state.check_withdraw(to_beta, world.domain)
    assert refused.value.code == REJECT_UNKNOWN_TOKEN


def test_a_token_registers_only_with_its_l2_decimals(world: World) -> None:
    """USDC is 6 decimals on every chain: a token reporting 18 is refused, as is one without decimals()."""
    alpha = world.primary
    f = alpha.rollup.functions
    owner = f.owner().call()  # the timelock: what its call would meet after the delay
    wrong = deploy(alpha.w3, world.config.keys.deployer, "TestToken", "Wrong USD", "WUSD", 18)
    assert expect_revert_as(owner, f.registerToken(9, wrong.address, 6), "TokenDecimalsMismatch") == (
        9,
        6,
        18,
    )
    no_decimals = alpha.rollup.address  # a contract without decimals()
    args = expect_revert_as(owner, f.registerToken(9, no_decimals, 6), "TokenDecimalsMismatch")
    assert args == (9, 6, 255)
    usdc = world.config.token("USDC")
    assert f.tokenDecimals(usdc.l2_token_id).call() == usdc.decimals
    assert f.tokenDecimals(ETH_TOKEN).call() == 18


def test_dust_deposits_are_refused(world: World) -> None:
    """Issue 14 point 5: a 1-wei deposit took a state-tree leaf for good. Each token now has a minimum,
    set from devnet.toml at deployment (ETH's in wei, each token's in its base units)."""
    alpha = world.primary
    f = alpha.rollup.functions
    minimum = world.config.rollup.eth_min_deposit
    assert f.minDeposit(ETH_TOKEN).call() == minimum
    args = expect_revert(
        alpha.w3, ALICE.l1_key, f.depositETH(ALICE.pkh_bytes, ALICE.address), "DepositTooSmall", minimum - 1
    )
    assert args == (ETH_TOKEN, minimum, minimum - 1)
    usdc = world.config.token("USDC")
    assert f.minDeposit(usdc.l2_token_id).call() == usdc.min_deposit


def test_a_request_the_l2_state_refuses_is_marked_and_stops_nothing_else(world: World) -> None:
    """Issue 14 point 5: a request the L2 state cannot place (a full tree; here a token governance mapped
    on beta that the sequencer's config does not know) raised an error that stopped the daemon, and every
    chain with it. Now it is marked refused; its chain's queue waits at it (exodus refunds it after the
    deadline), and the other chains go on."""
    alpha, beta = world.chain(1), world.chain(2)
    keys = world.config.keys
    unknown = deploy(beta.w3, keys.deployer, "TestToken", "Unknown", "UNK", 18)
    enact(beta, keys.governor, DAVE.l1_key, [beta.rollup.functions.registerToken(9, unknown.address, 18)])
    sender = beta.sender(DAVE.l1_key)
    sender.send(unknown.functions.mint(DAVE.address, ETHER))
    sender.send(unknown.functions.approve(beta.rollup.address, ETHER))
    sender.send(beta.rollup.functions.depositERC20(unknown.address, ETHER, DAVE.pkh_bytes, DAVE.address))
    world.deposit_eth(beta, ALICE, ETHER)  # behind it in beta's queue
    world.deposit_eth(alpha, ALICE, ETHER)
    node = SequencerNode(world.config, world.home, world.prover.prover)
    try:
        for w in node.watchers:
            w.poll()
        block = node.build(now=time.time() + 3600)
        assert block is not None
        [(refused, reason)] = node.store.refused_requests()
        assert (refused.chain, refused.serial) == (2, 0) and "unknown_token" in reason
        assert [(op.chain, op.serial) for op in block.ops if isinstance(op, Deposit)] == [(1, 0)]  # alpha's
        assert len(block.ops) == 1
        assert [r.serial for r in node.store.queued_requests() if r.chain == 2] == [1]  # beta's waits
    finally:
        node.close()
