"""The sequencer: its L2 state (the store's blocks replayed), mempool, watchers, block builder and stage
drivers, one `step()` at a time. `daemon.py` runs it with the JSON-RPC intake; tests call `step()`.

Crash safety rests on two rules. A block is written to the store, with its transactions and requests
marked included, in one SQLite transaction before any chain sees it; after a restart the store's blocks are
replayed into the state. Every stage step reads the chains' counters first and sends only what is missing,
through a `Sender` that finishes whatever a previous run left in flight.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from web3.exceptions import Web3Exception

from orchestrator.chain.addresses import read_deployments
from orchestrator.chain.sender import Sender
from orchestrator.config import DevnetConfig
from orchestrator.crashpoints import crashpoint
from orchestrator.devnet.node import die_with_parent
from orchestrator.errors import ChainTxError, ProverError, RollupError, TxRejected
from orchestrator.l2.block import Block, SlotRejected
from orchestrator.l2.tx import Deposit, FullExit, OnChainOp, Transfer, Withdraw
from orchestrator.prover.groth16 import Proof
from orchestrator.prover.profiles import BlockProver
from orchestrator.sequencer.codec import (
    block_body,
    block_inputs,
    l2_tx_from_json,
    l2_tx_to_json,
    request_from_json,
)
from orchestrator.sequencer.mempool import Mempool, Pending
from orchestrator.sequencer.payouts import PayoutPusher
from orchestrator.sequencer.watcher import RequestWatcher
from orchestrator.settlement.driver import SettlementDriver
from orchestrator.store.db import StoreError
from orchestrator.store.sequencer import SequencerStore, StoredBlock, StoredRequest

log = logging.getLogger("sequencer")

STAGES = ("committed", "proven", "synchronized", "executed")
COUNTERS = {"committed": "lastCommittedBlock", "proven": "lastProvenBlock",
            "synchronized": "lastSynchronizedBlock", "executed": "lastExecutedBlock"}  # fmt: skip


class _StoredProofDriver(SettlementDriver):
    """The settlement driver, verifying on chain only proofs the prover thread already stored."""

    store: SequencerStore

    def proof(self, number: int) -> Proof:
        saved = self.store.proof(number)
        if saved is None:
            raise ProverError(f"block {number} has no stored proof yet")
        return Proof.from_bytes(bytes.fromhex(saved["hex"]))

    def prove(self, max_blocks: int | None = None) -> None:
        """Verify the stored proofs that follow the primary's proven block, up to `max_blocks`."""
        p = self.primary
        first, last = p.counter("lastProvenBlock") + 1, p.counter("lastCommittedBlock")
        ready = 0
        while first + ready <= last and self.store.proof(first + ready) is not None:
            ready += 1
        if ready:
            super().prove(min(ready, max_blocks or ready))


_worker_prover: BlockProver | None = None


def _load_prover(profile: str, parent_pid: int) -> None:
    global _worker_prover
    die_with_parent(parent_pid)()  # a kill -9 of the sequencer must not leave its prover behind
    _worker_prover = BlockProver(profile)


def _prove_in_worker(block: Block) -> Proof:
    assert _worker_prover is not None
    return _worker_prover.prove(block)


class ProverThread(threading.Thread):
    """Proves built blocks in order and stores each proof the moment it exists (a restart proves only
    what has no stored proof). The proof itself runs in a child process that keeps the key loaded: the
    prover holds the GIL, and the main loop must keep moving while it works."""

    def __init__(self, driver: _StoredProofDriver, profile: str, store: SequencerStore) -> None:
        super().__init__(name="prover", daemon=True)
        self.driver, self.profile, self.store = driver, profile, store
        self.stop = threading.Event()
        self.error: Exception | None = None

    def run(self) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a threaded process
        with ProcessPoolExecutor(
            1, context, initializer=_load_prover, initargs=(self.profile, os.getpid())
        ) as pool:
            self._loop(pool)

    def _loop(self, pool: ProcessPoolExecutor) -> None:
        number = 1
        while not self.stop.is_set():
            if number > self.driver.ledger.last_block:
                self.stop.wait(0.1)
                continue
            if self.store.proof(number) is not None:
                number += 1
                continue
            started = time.monotonic()
            try:
                proof = pool.submit(_prove_in_worker, self.driver.ledger.block(number)).result()
            except (RollupError, BrokenProcessPool) as exc:
                self.error = exc
                log.error("block %d cannot be proven: %s", number, exc)
                return
            seconds = time.monotonic() - started
            self.store.save_proof(number, {"hex": proof.to_bytes().hex()}, seconds)
            log.info("block %d proven off-chain in %.1f s", number, seconds)
            crashpoint("proof-saved")
            number += 1


@dataclass
class ChainView:
    """One chain's stage counters as last read (the status the RPC and `rollup status` show)."""

    name: str
    rollup_chain_id: int
    counters: dict[str, int]


class SequencerNode:
    def __init__(self, config: DevnetConfig, home: Path, prover: BlockProver | None = None) -> None:
        self.config = config
        self.settings = config.sequencer
        self.store = SequencerStore(home / "sequencer.db")
        deployments = read_deployments(home)
        self.profile_name = config.rollup.profile
        prover = prover or BlockProver(config.rollup.profile)  # the keys must exist before the daemon starts
        db = self.store.db

        def sender(w3: Any, chain: Any, gas_log: Any) -> Sender:
            return Sender(w3, chain.name, config.keys.operator, db, gas_log=gas_log)

        self.driver = _StoredProofDriver(config, deployments, prover, sender)
        self.driver.store = self.store
        self.prover = ProverThread(self.driver, config.rollup.profile, self.store)
        self.state = self.driver.state
        self.next_serial: dict[int, int] = {c: 0 for c in self.driver.chains}
        self._replay()
        self.mempool = Mempool(self.state, self.driver.domain)
        self._received: dict[str, float] = {}
        for stored in self.store.pending_l2_txs():
            self._readmit(stored.hash, stored.body, stored.received_at)
        self.watchers = [
            RequestWatcher(
                c, self.store, self.settings.confirmations, deployments.chains[c.config.name].deploy_block
            )
            for c in self.driver.chains.values()
        ]
        self.views: dict[int, ChainView] = {}
        self._marked: dict[tuple[int, str], int] = {}  # (chain, stage) -> last block marked
        self.payouts = PayoutPusher(self.store, self.driver.chains, self.driver.ledger, config.keys.operator)

    # -- restart ---------------------------------------------------------------------------------------

    def _replay(self) -> None:
        """Build the stored blocks again: the state and the ledger end where the last run left them."""
        for stored in self.store.blocks():
            ops, transfers = block_inputs(stored.body)
            block = self.driver.build_block(ops, transfers, timestamp=stored.timestamp)
            if block.new_root != stored.new_root:
                raise StoreError(
                    f"block {stored.number} replays to another state root than it was built with"
                )
            self._count_serials(ops)
        committed = self.driver.primary.counter("lastCommittedBlock")
        if committed > self.driver.ledger.last_block:
            raise StoreError(
                f"the primary holds {committed} committed blocks, the store {self.driver.ledger.last_block}: "
                "this store belongs to another deployment (start from a fresh home)"
            )
        if self.driver.ledger.last_block:
            log.info("replayed %d stored blocks", self.driver.ledger.last_block)

    def _count_serials(self, ops: list[OnChainOp]) -> None:
        for op in ops:
            if isinstance(op, Deposit | FullExit):
                self.next_serial[op.chain] = op.serial + 1

    def _readmit(self, tx_hash: str, body: dict[str, Any], received_at: float) -> None:
        try:
            tx = l2_tx_from_json(body)
            if self.mempool.add(tx) != tx_hash:
                raise TxRejected("malformed", "stored under another hash")
            self._received[tx_hash] = received_at
        except TxRejected as exc:  # the state moved on since (a full exit emptied the account, say)
            self.store.drop_l2_txs([(tx_hash, f"{exc.code}: {exc}")])

    # -- intake (called from the RPC threads, under the daemon's lock) ---------------------------------

    def submit(self, data: object) -> str:
        """Accept a signed L2 transaction; its hash, or `TxRejected` with nothing changed."""
        tx = l2_tx_from_json(data)
        body = l2_tx_to_json(tx)
        tx_hash = self.mempool.add(tx, lambda h: self.store.add_l2_tx(h, str(body["type"]), body))
        self._received[tx_hash] = time.time()
        return tx_hash

    # -- one round of work -----------------------------------------------------------------------------

    def step(self, locked: Callable[[], Any] | None = None) -> None:
        """Watch, build at most one block, then every stage once; chain errors are logged and retried."""
        for w in self.watchers:
            self._guard(f"{w.chain.config.name}: watch", w.poll)
        if locked is None:
            self.build()
        else:
            with locked():
                self.build()
        d = self.driver
        self._guard("commit", d.commit)
        self._guard("prove", lambda: d.prove(self.settings.prove_batch))
        self._guard("report", d.report)
        self._guard("synchronize", d.synchronize)
        self._guard("execute", d.execute)
        self._guard("status", self.observe)
        self._guard("payout", self.pay_out)

    def _guard(self, what: str, fn: Callable[[], Any]) -> None:
        try:
            fn()
        except (ChainTxError, OSError, Web3Exception) as exc:
            # a node error is transient (anvil --prune-history can refuse a call racing a new block)
            log.warning("%s: %s (retrying next round)", what, exc)

    # -- building --------------------------------------------------------------------------------------

    def _ready_requests(self) -> list[StoredRequest]:
        """Queued requests each chain's queue can take next: serials without gaps from the next one."""
        expected = dict(self.next_serial)
        ready = []
        for r in self.store.queued_requests():
            if r.serial == expected[r.chain]:
                ready.append(r)
                expected[r.chain] += 1
        return ready

    def build(self, now: float | None = None) -> Block | None:
        """The next block if its slots are full or its oldest operation waited `block_timeout_ms`."""
        now = time.time() if now is None else now
        profile = self.driver.profile
        requests = self._ready_requests()[: profile.n_op]
        withdraws, transfers = self.mempool.select(profile.n_op - len(requests), profile.n_tx)
        waiting = [r.seen_at for r in requests] + [
            self._received.get(p.hash, now) for p in withdraws + transfers
        ]
        if not waiting:
            return None
        full = len(requests) + len(withdraws) == profile.n_op and len(transfers) == profile.n_tx
        if not full and now - min(waiting) < self.settings.block_timeout_ms / 1000:
            return None
        return self._build(requests, withdraws, transfers)

    def _build(
        self, requests: list[StoredRequest], withdraws: list[Pending], transfers: list[Pending]
    ) -> Block:
        started = time.perf_counter()
        ops: list[OnChainOp] = [request_from_json(r.body) for r in requests]
        ops += [p.tx for p in withdraws if isinstance(p.tx, Withdraw)]
        dropped: list[tuple[str, str]] = []
        while True:
            try:
                transfer_txs = [p.tx for p in transfers if isinstance(p.tx, Transfer)]
                block = self.driver.build_block(ops, transfer_txs, signatures_verified=True)  # at intake
                break
            except SlotRejected as exc:  # a transaction the pending state accepted no longer applies
                if exc.kind == "op" and exc.slot < len(requests):
                    raise RollupError(f"priority request refused by the L2 state: {exc}") from exc
                pool = withdraws if exc.kind == "op" else transfers
                victim = pool.pop(exc.slot - len(requests) if exc.kind == "op" else exc.slot)
                if exc.kind == "op":
                    ops.pop(exc.slot)
                dropped.append((victim.hash, f"{exc.code}: {exc}"))
        included = [p.hash for p in withdraws + transfers]
        dropped += self.mempool.rebase(included + [h for h, _ in dropped])
        body = block_body(list(block.ops), list(block.transfers))
        self.store.add_block(
            StoredBlock(block.number, block.timestamp, body, block.new_root, time.time(),
                        time.perf_counter() - started),
            included, [(r.chain, r.serial) for r in requests], dropped,
        )  # fmt: skip
        self._count_serials(list(block.ops))
        log.info("block %d built: %d requests, %d withdrawals, %d transfers%s", block.number, len(requests),
                 len(withdraws), len(transfers), f", {len(dropped)} dropped" if dropped else "")  # fmt: skip
        crashpoint("block-built")
        return block

    # -- observing the chains --------------------------------------------------------------------------

    def observe(self) -> None:
        """Read every chain's counters; store when each block first reached each stage there."""
        marks: list[tuple[int, int, str]] = []
        for c in self.driver.chains.values():
            counters = {}
            for stage in STAGES:
                if stage == "proven" and c is not self.driver.primary:
                    continue
                value = c.counter(COUNTERS[stage])
                counters[stage] = value
                last = self._marked.get((c.id, stage), 0)
                if value > last:
                    numbers = [i.block_number for i in self.driver.ledger.blocks_of(c.id, last, value)]
                    marks += [(n, c.id, stage) for n in numbers]
                    self._marked[(c.id, stage)] = value
            self.views[c.id] = ChainView(c.config.name, c.id, counters)
        if marks:
            self.store.mark_stages(marks)
            for n, chain, stage in marks:
                log.info("block %d %s on %s", n, stage, self.driver.chains[chain].config.name)

    def pay_out(self) -> None:
        """Queue the payouts of newly executed blocks on each chain, then push every payout that is due;
        each chain and each payout on its own, so no failure holds up another (sequencer/payouts.py)."""
        for c in self.driver.chains.values():
            executed = self.views[c.id].counters["executed"] if c.id in self.views else 0
            self._guard(f"{c.config.name}: queue payouts", partial(self.payouts.queue, c, executed))
        self.payouts.push()

    def close(self) -> None:
        self.prover.stop.set()
        self.prover.join(timeout=60)
        self.store.close()
