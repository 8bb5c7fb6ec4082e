"""What L1 chains do to the daemons, on live anvil nodes: reorganize (`anvil_reorg`) under the request
watcher and the relayer's message scanner, and leave a transaction unmined (automine off) or forget it
(`anvil_dropTransaction`) under the sender. One deployment on two chains, no daemons running: the tests
drive the watcher, the scanner and the sender directly, so each hazard is placed exactly."""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest
from eth_account import Account
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from hexbytes import HexBytes
from web3 import Web3
from web3.contract.contract import ContractFunction
from web3.types import Nonce, RPCEndpoint, TxParams, Wei

from orchestrator.chain.sender import Sender
from orchestrator.devnet.state import NODE_HOMES
from orchestrator.messaging.attest import Message
from orchestrator.messaging.relay import messages_in_receipt
from orchestrator.messaging.validators import AttestationRefused
from orchestrator.prover.profiles import BlockProver
from orchestrator.relayer.daemon import Relayer
from orchestrator.sequencer.watcher import RequestWatcher
from orchestrator.store.db import Database
from orchestrator.store.sent import MINED, REPLACED, SENT, SENT_TXS_TABLE
from orchestrator.store.sequencer import SequencerStore
from orchestrator.testing.users import USERS
from orchestrator.testing.world import World, settlement_world
from tests.helpers import wait_until

pytestmark = pytest.mark.integration

MICRO_ETH = 10**12  # a millionth of an ETH: the smallest deposit devnets take
DEPTH = 2  # the confirmation depth under test
BETA = 2  # rollup chain id of the secondary the hazards happen on
REORG_TX_GAS = 500_000


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, test_prover: BlockProver) -> Iterator[World]:
    with settlement_world(tmp_path_factory.mktemp("hazards"), test_prover, n=2, base_chain_id=961000) as w:
        w.runner.report_in_commit = False  # the hazards below send reports on their own (sendSyncReport)
        yield w
    assert not w.home.exists(), "the reorgs' state directories outlived the devnet"


def _rpc(w3: Web3, method: str, *params: Any) -> Any:
    reply = w3.provider.make_request(RPCEndpoint(method), list(params))
    assert "error" not in reply, f"{method}: {reply['error']}"
    return reply.get("result")


def _mine(w3: Web3, blocks: int) -> None:
    _rpc(w3, "anvil_mine", hex(blocks))


def _reorg(w3: Web3, depth: int, raw_txs: list[bytes] = ()) -> None:  # type: ignore[assignment]
    """Replace the last `depth` blocks; the given signed transactions go in the first new one."""
    _rpc(w3, "anvil_reorg", depth, [["0x" + raw.hex(), 0] for raw in raw_txs])


def _signed(w3: Web3, user_name: str, fn: ContractFunction, nonce_back: int = 0, value: int = 0) -> bytes:
    """`fn` from the user, signed but not sent (for a reorg to put into the new chain), at the user's
    next nonce minus `nonce_back`."""
    return _signed_with(w3, USERS[user_name].l1_key, fn, nonce_back, value)


def _signed_with(w3: Web3, key: str, fn: ContractFunction, nonce_back: int = 0, value: int = 0) -> bytes:
    """`_signed` from any key. Its gas is set, not estimated: an estimate against today's state can fall
    short in the older state the reorg replays it on."""
    address = Account.from_key(key).address
    nonce = w3.eth.get_transaction_count(address) - nonce_back
    params: TxParams = {"from": address, "value": Wei(value), "nonce": Nonce(nonce), "gas": REORG_TX_GAS}
    tx = cast(dict[str, Any], fn.build_transaction(params))
    return bytes(Account.from_key(key).sign_transaction(tx).raw_transaction)


def _depositor(store: SequencerStore, serial: int) -> str | None:
    request = store.request(BETA, serial)
    return None if request is None else str(request.body["amount"])


def test_request_watcher_survives_reorgs(
    world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    chain = world.chain(BETA)
    w3 = chain.w3
    store = SequencerStore(tmp_path / "sequencer.db")
    watcher = RequestWatcher(chain, store, DEPTH)
    first = int(chain.rollup.functions.nextPriorityRequestId().call())
    try:
        # a deposit is read only once DEPTH blocks stand on it
        world.deposit_eth(chain, USERS["alice"], 1 * MICRO_ETH)
        watcher.poll()
        assert store.request(BETA, first) is None
        _mine(w3, DEPTH)
        watcher.poll()
        assert _depositor(store, first) == str(1 * MICRO_ETH)

        # a reorg shallower than the depth takes a deposit away before the watcher could see it
        world.deposit_eth(chain, USERS["bob"], 2 * MICRO_ETH)
        watcher.poll()
        _reorg(w3, 1)
        queued = int(chain.rollup.functions.nextPriorityRequestId().call())
        assert queued == first + 1, "the reorg did not drop bob's deposit"
        _mine(w3, DEPTH)
        watcher.poll()
        assert store.request(BETA, first + 1) is None

        # a reorg deeper than the depth replaces a deposit the watcher had stored: the watcher rewinds,
        # forgets it and reads the new chain's deposit under the same serial
        world.deposit_eth(chain, USERS["carol"], 3 * MICRO_ETH)
        _mine(w3, DEPTH)
        watcher.poll()
        assert _depositor(store, first + 1) == str(3 * MICRO_ETH)
        caplog.set_level(logging.WARNING)
        deposit = chain.rollup.functions.depositETH(USERS["dave"].pkh_bytes, USERS["dave"].address)
        _reorg(w3, DEPTH + 1, [_signed(w3, "dave", deposit, value=4 * MICRO_ETH)])
        dumps = list((world.home / NODE_HOMES).rglob("anvil-state-*"))
        assert dumps, "anvil_reorg wrote no state directory in the devnet: is the node's $HOME redirected?"
        watcher.poll()
        assert "reorg under L1 block" in caplog.text
        assert _depositor(store, first) == str(1 * MICRO_ETH), "a request below the reorg was lost"
        assert _depositor(store, first + 1) == str(4 * MICRO_ETH), "the reorged-out deposit is still queued"
        assert [r.serial for r in store.requests() if r.chain == BETA][-1] == first + 1
    finally:
        store.close()


def _committed_blocks(world: World, chain: int) -> list[int]:
    """Two deposits of dave's on `chain`, and every request queued there, in committed blocks (at least
    two); their numbers."""
    for _ in range(2):
        world.deposit_eth(world.chain(chain), USERS["dave"], MICRO_ETH)
    requests = [r for r in world.new_requests() if r.chain == chain]
    per_block = max(1, min(world.builder.profile.n_op, len(requests) - 1))
    numbers = [
        world.build_block(ops=requests[i : i + per_block]).number for i in range(0, len(requests), per_block)
    ]
    world.commit()
    return numbers


def test_relayer_forgets_reorged_messages(world: World) -> None:
    """A report the relayer saw, reorged out and replaced by another report at the same messenger nonce:
    the relayer keeps only the new one."""
    config = replace(world.config, chains=tuple(replace(c, confirmations=DEPTH) for c in world.config.chains))
    beta = world.chain(BETA)
    first_block, *_, second_block = _committed_blocks(world, BETA)
    relayer = Relayer(config, world.home)
    source = relayer.chains[beta.config.evm_chain_id]
    w3 = source.w3
    try:
        receipt = beta.tx.send(beta.rollup.functions.sendSyncReport(first_block), label="report")
        [first] = messages_in_receipt(beta.messenger, beta.config.evm_chain_id, receipt)
        _mine(w3, DEPTH)
        relayer._scan(source)

        def waiting() -> list[Message]:
            return [
                s.message
                for s in relayer.store.waiting()
                if s.message.source_chain_id == first.source_chain_id and s.message.nonce >= first.nonce
            ]

        assert waiting() == [first]
        fn = beta.rollup.functions.sendSyncReport(second_block)
        _reorg(w3, DEPTH + 1, [_signed_with(w3, world.operator, fn, nonce_back=1)])  # in place of the first
        relayer._scan(source)
        [second] = waiting()
        assert second.nonce == first.nonce and second.payload != first.payload
    finally:
        relayer.store.close()


@pytest.fixture
def sent_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(tmp_path / "sender.db", [SENT_TXS_TABLE], kind="test")
    yield db
    db.close()


def _rows(db: Database) -> list[tuple[str, int, str]]:
    return [
        (str(r["tx_hash"]), int(r["nonce"]), str(r["status"]))
        for r in db.query("SELECT tx_hash, nonce, status FROM sent_txs ORDER BY sent_at")
    ]


def _stored_tx(db: Database, tx_hash: str) -> dict[str, Any]:
    [row] = db.query("SELECT raw FROM sent_txs WHERE tx_hash = ?", (tx_hash,))
    return dict(TypedTransaction.from_bytes(HexBytes(str(row["raw"]))).as_dict())


def test_sender_bumps_fees_of_a_stuck_transaction(world: World, sent_db: Database) -> None:
    chain = world.chain(BETA)
    w3, dave = chain.w3, USERS["dave"]
    sender = Sender(w3, chain.config.name, dave.l1_key, sent_db, stuck_after_s=0.3)
    before = int(chain.rollup.functions.nextPriorityRequestId().call())
    nonce = w3.eth.get_transaction_count(Web3.to_checksum_address(dave.address))
    fn = chain.rollup.functions.requestFullExit(0, 0)  # any call that changes state
    result: dict[str, Any] = {}

    def send() -> None:
        try:
            result["receipt"] = sender.send(fn, label="send")
        except Exception as exc:  # raised again in the test below
            result["error"] = exc

    thread = threading.Thread(target=send)
    _rpc(w3, "evm_setAutomine", False)
    try:
        thread.start()
        wait_until(lambda: len(_rows(sent_db)) >= 3, 20, "two fee bumps")
        _mine(w3, 1)
        thread.join(30)
    finally:
        _rpc(w3, "evm_setAutomine", True)
        thread.join(60)  # mined now whatever happened: the sender must be done before its store closes
    assert not thread.is_alive(), "the sender never saw its transaction mined"
    if "error" in result:
        raise result["error"]
    receipt = result["receipt"]
    rows = _rows(sent_db)
    assert {n for _, n, _ in rows} == {nonce}, "a bumped copy must reuse the nonce"
    assert [s for _, _, s in rows].count(MINED) == 1 and all(s in (MINED, REPLACED) for _, _, s in rows)
    mined = next(h for h, _, s in rows if s == MINED)
    assert mined == "0x" + bytes(receipt["transactionHash"]).hex()
    assert mined != rows[0][0], "the original mined although the pool held a higher-paying copy"
    fees = [int(_stored_tx(sent_db, h)["maxFeePerGas"]) for h, _, _ in rows]
    assert all(b * 8 >= a * 9 for a, b in itertools.pairwise(fees)), f"fees not bumped: {fees}"
    assert int(chain.rollup.functions.nextPriorityRequestId().call()) == before + 1, "it was sent twice"


def test_sender_reconciles_a_transaction_the_node_forgot(world: World, sent_db: Database) -> None:
    chain = world.chain(BETA)
    w3, dave = chain.w3, USERS["dave"]
    before = int(chain.rollup.functions.nextPriorityRequestId().call())
    crashed = Sender(w3, chain.config.name, dave.l1_key, sent_db)
    fn = chain.rollup.functions.requestFullExit(0, 0)  # any call that changes state
    _rpc(w3, "evm_setAutomine", False)
    try:
        # a run that stored and broadcast a transaction, then died; then the node lost its pool
        tx = crashed.build(fn, 0, "send")
        tx_hash = crashed.broadcast(tx, "send")
        _rpc(w3, "anvil_dropTransaction", tx_hash)
    finally:
        _rpc(w3, "evm_setAutomine", True)
    assert _rows(sent_db) == [(tx_hash, int(tx["nonce"]), SENT)]

    Sender(w3, chain.config.name, dave.l1_key, sent_db).reconcile()  # the restarted run
    assert _rows(sent_db) == [(tx_hash, int(tx["nonce"]), MINED)]
    assert int(chain.rollup.functions.nextPriorityRequestId().call()) == before + 1


def test_by_default_nothing_is_read_or_attested_before_the_node_finalizes_it(world: World) -> None:
    """A chain without a confirmation depth waits for its node's finalized block (anvil: 64 below the
    head) before the relayer reads a message or the validators attest it (issue 14 point 4)."""
    config = replace(world.config, chains=tuple(replace(c, confirmations=None) for c in world.config.chains))
    beta = world.chain(BETA)
    block = _committed_blocks(world, BETA)[-1]
    relayer = Relayer(config, world.home)
    source = relayer.chains[beta.config.evm_chain_id]
    try:
        receipt = beta.tx.send(beta.rollup.functions.sendSyncReport(block), label="report")
        [sent] = messages_in_receipt(beta.messenger, beta.config.evm_chain_id, receipt)
        at = int(receipt["blockNumber"])
        relayer._scan(source)
        assert sent not in [s.message for s in relayer.store.waiting()]
        with pytest.raises(AttestationRefused, match="not confirmed yet"):
            relayer.validators.attest(sent, at)
        _mine(source.w3, 64)
        relayer._scan(source)
        assert sent in [s.message for s in relayer.store.waiting()]
        assert relayer.validators.attest(sent, at)
    finally:
        relayer.store.close()
