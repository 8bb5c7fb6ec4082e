"""The priority queue every chain keeps: deposits (ETH, ERC-20), full-exit requests, payouts, token map."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import RPCEndpoint

from orchestrator.chain.connect import connect
from orchestrator.config import DeploymentConfig, load_config
from orchestrator.devnet.launcher import LocalNodes
from orchestrator.l2.chainhash import deposit_request_hash, full_exit_request_hash
from tests.chain import deploy, deploy_proxied, expect_deploy_revert, expect_revert, transact
from tests.helpers import write_devnet

pytestmark = pytest.mark.integration

CHAIN_ID = 2
DEPTH = 8
PKH = bytes.fromhex("ab" * 20)
OWNER = Web3.to_checksum_address("0x" + "cd" * 20)  # an account owner other than the sender
USER = "0x" + "42" * 32  # TEST-ONLY key
ZERO_ADDRESS = "0x" + "00" * 20


@dataclass
class Queue:
    config: DeploymentConfig
    w3: Web3
    rollup: Contract
    token: Contract
    user: str


@pytest.fixture(scope="module")
def queue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Queue]:
    tmp = tmp_path_factory.mktemp("queue")
    path, _ = write_devnet(tmp, n=1, base_chain_id=940000)
    config = load_config(path)
    with LocalNodes(config, tmp / "home"):
        w3 = connect(config.chains[0])
        operator = Account.from_key(config.keys.operator).address
        params = (CHAIN_ID, DEPTH, 100, 25, 0, operator)  # no messenger needed here
        owner = Account.from_key(config.keys.deployer).address  # an account, not a timelock, in this harness
        init = [owner, operator, owner, bytes(32)]
        rollup = deploy_proxied(w3, config.keys.deployer, "QueueHarness", [params], init)
        token = deploy(w3, config.keys.deployer, "TestToken", "Test USD Coin", "USDC", 6)
        transact(w3, config.keys.deployer, rollup.functions.registerToken(1, token.address, 6))
        user = Account.from_key(USER).address
        transact(w3, config.keys.deployer, token.functions.mint(user, 10**12))
        w3.provider.make_request(RPCEndpoint("anvil_setBalance"), [user, hex(10**20)])
        yield Queue(config, w3, rollup, token, user)


def _queued(q: Queue, receipt: Any) -> dict[str, Any]:
    events = q.rollup.events.PriorityRequestQueued().process_receipt(receipt, errors=DISCARD)
    assert len(events) == 1
    return dict(events[0]["args"])


def test_eth_deposit_is_queued_with_its_request_hash(queue: Queue) -> None:
    q = queue
    serial = q.rollup.functions.nextPriorityRequestId().call()
    receipt = transact(q.w3, USER, q.rollup.functions.depositETH(PKH, OWNER), value=10**18)
    event = _queued(q, receipt)
    assert event["serialId"] == serial and event["opType"] == 1 and event["amount"] == 10**18
    # the account's owner is the address the request names, not the sender who paid
    assert event["account"] == OWNER != q.user
    assert bytes(event["requestHash"]) == deposit_request_hash(CHAIN_ID, 0, 10**18, OWNER, PKH)
    stored = q.rollup.functions.priorityRequests(serial).call()
    assert bytes(stored[0]) == bytes(event["requestHash"])
    assert stored[1] == q.w3.eth.get_block(receipt["blockNumber"])["timestamp"] + 100  # seconds
    assert q.w3.eth.get_balance(q.rollup.address) >= 10**18


def test_erc20_deposit_credits_what_arrived(queue: Queue) -> None:
    q = queue
    transact(q.w3, USER, q.token.functions.approve(q.rollup.address, 5_000_000))
    receipt = transact(q.w3, USER, q.rollup.functions.depositERC20(q.token.address, 5_000_000, PKH, q.user))
    event = _queued(q, receipt)
    assert event["tokenId"] == 1 and event["amount"] == 5_000_000
    assert q.token.functions.balanceOf(q.rollup.address).call() == 5_000_000


def test_bad_deposits_are_refused(queue: Queue) -> None:
    q = queue
    f = q.rollup.functions
    assert expect_revert(q.w3, USER, f.depositETH(PKH, q.user), "InvalidAmount") == (0,)
    expect_revert(q.w3, USER, f.depositETH(bytes(20), q.user), "ZeroPublicKeyHash", value=1)
    expect_revert(q.w3, USER, f.depositETH(PKH, ZERO_ADDRESS), "ZeroOwner", value=1)
    transact(q.w3, USER, q.token.functions.approve(q.rollup.address, 10))
    expect_revert(q.w3, USER, f.depositERC20(q.token.address, 10, PKH, ZERO_ADDRESS), "ZeroOwner")
    assert expect_revert(q.w3, USER, f.depositERC20(q.user, 1, PKH, q.user), "TokenNotRegistered") == (
        q.user,
    )
    expect_revert(
        q.w3, USER, f.depositERC20(q.token.address, 10**15, PKH, q.user), "TransferFailed"
    )  # not approved


def test_full_exit_request(queue: Queue) -> None:
    q = queue
    f = q.rollup.functions
    event = _queued(q, transact(q.w3, USER, f.requestFullExit(7, 1)))
    assert event["opType"] == 3 and event["accountIndex"] == 7
    assert bytes(event["requestHash"]) == full_exit_request_hash(CHAIN_ID, 7, 1, q.user)
    assert expect_revert(q.w3, USER, f.requestFullExit(256, 1), "AccountIndexOutOfRange") == (255, 256)
    assert expect_revert(q.w3, USER, f.requestFullExit(1, 9), "UnknownTokenId") == (9,)


def test_pending_balances_are_pulled_once(queue: Queue) -> None:
    q = queue
    f, operator = q.rollup.functions, q.config.keys.operator
    receiver = Account.create().address
    # the vault holds what it pays: this test's own deposits, whatever other tests did before
    transact(q.w3, USER, q.token.functions.approve(q.rollup.address, 1_000_000))
    transact(q.w3, USER, f.depositERC20(q.token.address, 1_000_000, PKH, q.user))
    transact(q.w3, USER, f.depositETH(PKH, q.user), value=10**17)
    transact(q.w3, operator, f.testCredit(receiver, 1, 1_000_000))
    transact(q.w3, operator, f.testCredit(receiver, 0, 10**17))
    transact(q.w3, USER, f.withdrawPendingBalance(receiver, 1))  # anyone may push it
    transact(q.w3, USER, f.withdrawPendingBalance(receiver, 0))
    assert q.token.functions.balanceOf(receiver).call() == 1_000_000
    assert q.w3.eth.get_balance(receiver) == 10**17
    assert expect_revert(q.w3, USER, f.withdrawPendingBalance(receiver, 1), "NothingPending") == (receiver, 1)


def test_roles(queue: Queue) -> None:
    q = queue
    f = q.rollup.functions
    expect_revert(q.w3, USER, f.registerToken(2, q.user, 6), "OwnableUnauthorizedAccount")
    expect_revert(q.w3, q.config.keys.deployer, f.registerToken(1, q.user, 6), "TokenAlreadyRegistered")
    expect_revert(q.w3, USER, f.testCredit(q.user, 0, 1), "Unauthorized")
    expect_revert(q.w3, USER, f.setOperator(q.user), "OwnableUnauthorizedAccount")
    owner = Account.from_key(q.config.keys.deployer).address
    expect_revert(q.w3, USER, f.initialize(q.user, q.user, q.user, bytes(32)), "InvalidInitialization")
    assert f.owner().call() == owner


def test_rollups_refuse_chain_ids_that_cannot_work(queue: Queue) -> None:
    """A primary is one of its own chains (1..chainCount <= 8); a secondary's primary is another chain."""
    operator = Account.from_key(queue.config.keys.operator).address
    params = (CHAIN_ID, DEPTH, 100, 25, 0, operator)
    key = queue.config.keys.deployer
    exits = operator  # any nonzero address: the constructor refuses before it could matter
    args = expect_deploy_revert(
        queue.w3, key, "PrimaryRollup", "InvalidChainCount", params, 1, 2, 2, exits, exits
    )
    assert args == (CHAIN_ID, 1)
    args = expect_deploy_revert(
        queue.w3, key, "PrimaryRollup", "InvalidChainCount", params, 9, 2, 2, exits, exits
    )
    assert args == (CHAIN_ID, 9)
    zero = "0x" + "0" * 40  # a primary without its exits module would leave users no way out
    assert (
        expect_deploy_revert(queue.w3, key, "PrimaryRollup", "ZeroAddress", params, 3, 2, 2, zero, zero) == ()
    )
    # A pause longer than a quarter of the exodus window could run out the operator's time.
    long_pause = (CHAIN_ID, DEPTH, 100, 26, 0, operator)
    args = expect_deploy_revert(queue.w3, key, "SecondaryRollup", "PauseLength", long_pause, 1, 2)
    assert args == (25, 26)
    args = expect_deploy_revert(queue.w3, key, "SecondaryRollup", "PrimaryIsSelf", params, CHAIN_ID, 2)
    assert args == (CHAIN_ID,)
