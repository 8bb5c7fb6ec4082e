"""The sequencer: its L2 state and ledger (the store's blocks replayed into a `BlockBuilder`), mempool,
watchers, the stage runner and payouts, one `step()` at a time. `daemon.py` runs it with the JSON-RPC
intake; tests call `step()`.

Crash safety rests on two rules. A block is written to the store, with its transactions and requests
marked included, in one SQLite transaction before any chain sees it; after a restart the store's blocks are
replayed into the state. Every stage step reads the chains' counters first and sends only what is missing,
through a `Sender` that finishes whatever a previous run left in flight.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from web3.exceptions import Web3Exception

from orchestrator.chain.addresses import read_deployments
from orchestrator.chain.clients import Stage
from orchestrator.chain.handle import open_chains
from orchestrator.config import DeploymentConfig
from orchestrator.crashpoints import crashpoint
from orchestrator.dac.client import CommitteeClient
from orchestrator.devnet.state import PROVER_SCRATCH
from orchestrator.errors import ChainTxError, RollupError, TxRejected
from orchestrator.l2.block import Block, SlotRejected
from orchestrator.l2.tx import OnChainOp, Transfer, Withdraw, is_priority_op
from orchestrator.l2.wire import (
    block_body,
    block_inputs,
    l2_tx_from_json,
    l2_tx_to_json,
    request_from_json,
)
from orchestrator.metrics.sequencer import SequencerMetrics
from orchestrator.prover.profiles import BlockProver
from orchestrator.sequencer.availability import AvailabilityGatherer
from orchestrator.sequencer.builder import BlockBuilder, token_chains
from orchestrator.sequencer.mempool import Mempool, Pending
from orchestrator.sequencer.payouts import PayoutPusher
from orchestrator.sequencer.proving import ProverThread, StoredProofs
from orchestrator.sequencer.slots import in_turn, request_slots
from orchestrator.sequencer.watcher import RequestWatcher
from orchestrator.settlement.runner import StageRunner
from orchestrator.store.db import StoreError
from orchestrator.store.sequencer import SequencerStore, StoredBlock, StoredRequest

log = logging.getLogger("sequencer")


def chain_stages(config: DeploymentConfig) -> dict[str, list[str]]:
    """Each chain's name and the stages its blocks pass there (only the primary proves)."""
    return {c.name: [s.value for s in Stage if c.is_primary or s is not Stage.PROVEN] for c in config.chains}


class SequencerNode:
    def __init__(
        self,
        config: DeploymentConfig,
        home: Path,
        prover: BlockProver | None = None,
        metrics: SequencerMetrics | None = None,
    ) -> None:
        self.config = config
        self.metrics = metrics or SequencerMetrics(chain_stages(config))
        self.settings = config.sequencer
        self.store = SequencerStore(home / "sequencer.db")
        self.profile = config.rollup.circuit
        self.profile_name = self.profile.circuit  # the circuit's name: the shape, and the data mode
        if prover is None:  # the profile's keys must exist before the daemon starts: a clear error if not
            BlockProver(self.profile_name)
        self.chains = open_chains(config, read_deployments(home), config.keys.operator, self.store.db)
        self.refuse_exodus()
        primary = config.primary.rollup_chain_id
        self.primary = self.chains[primary]
        self.domain = self.primary.rollup.domain()
        self.builder = BlockBuilder(self.profile, self.domain, primary, token_chains(config))
        self.runner = StageRunner(self.chains, primary)
        self.proofs = StoredProofs(self.store)
        scratch = home / PROVER_SCRATCH
        self.prover = ProverThread(
            self.builder.ledger,
            self.profile_name,
            self.store,
            self.settings,
            scratch,
            self.metrics.proof_seconds.observe,
        )
        self.state = self.builder.state
        self.next_serial: dict[int, int] = {c: 0 for c in self.chains}
        self._replay()
        self.mempool = Mempool(self.state, self.domain)
        self.metrics.mempool.set_function(lambda: len(self.mempool.txs))  # read at each scrape
        self._received: dict[str, float] = {}
        for stored in self.store.pending_l2_txs():
            self._readmit(stored.hash, stored.body, stored.received_at)
        self.watchers = [RequestWatcher(c, self.store, c.config.confirmations) for c in self.chains.values()]
        self.counters: dict[int, dict[Stage, int]] = {}  # each chain's stage counters as last read
        self._marked: dict[tuple[int, Stage], int] = {}  # (chain, stage) -> last block marked
        self.payouts = PayoutPusher(self.store, self.chains, self.builder.ledger, self.metrics)
        self.availability: AvailabilityGatherer | None = None  # Validium mode's data committee
        if config.committee is not None:
            client = CommitteeClient(config.committee, self.domain, config.keys.operator)
            self.availability = AvailabilityGatherer(client, self.store.availability, self.builder.ledger)
            self.availability.restore()

    def refuse_exodus(self) -> None:
        """Stop for good once any chain is in exodus: the operator's role is gone there and everywhere it
        spreads, so nothing the sequencer could send would land. The relayer keeps running (exodus needs
        its messages); users leave with `rollup exodus`."""
        active = [c.name for c in self.chains.values() if c.rollup.functions.exodusActive().call()]
        for c in self.chains.values():
            self.metrics.exodus.labels(c.name).set(int(c.name in active))
        if active:
            raise RollupError(
                f"exodus is active on {', '.join(active)}: the operator's role is gone, so the sequencer "
                "stops (users leave with `rollup exodus`; keep the relayer running)"
            )

    # -- restart ---------------------------------------------------------------------------------------

    def _replay(self) -> None:
        """Build the stored blocks again: the state and the ledger end where the last run left them."""
        for stored in self.store.blocks():
            ops, transfers = block_inputs(stored.body)
            block = self.builder.build(ops, transfers, timestamp=stored.timestamp)
            if block.new_root != stored.new_root:
                raise StoreError(
                    f"block {stored.number} replays to another state root than it was built with"
                )
            self._count_serials(ops)
        committed, built = self.primary.rollup.counter(Stage.COMMITTED), self.builder.last_block
        if committed > built:
            raise StoreError(
                f"the primary holds {committed} committed blocks, the store {built}: "
                "this store belongs to another deployment (start from a fresh home)"
            )
        if built:
            log.info("replayed %d stored blocks", built)
        self.metrics.last_block.set(built)

    def _count_serials(self, ops: list[OnChainOp]) -> None:
        for op in ops:
            if is_priority_op(op):
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
        run, ledger = self.runner, self.builder.ledger
        if self.availability is not None:
            self._guard("data committee", self._make_available)
        self._guard("commit", partial(run.commit, ledger))
        self._guard("prove", partial(run.prove, ledger, self.proofs, self.settings.prove_batch))
        self._guard("report", partial(run.report, ledger))
        self._guard("synchronize", partial(run.synchronize, ledger))
        self._guard("execute", partial(run.execute, ledger))
        self._guard("status", self.observe)
        self._guard("payout", self.pay_out)
        queued = self.prover.queued  # the store's count only until the prover thread has looked
        self.metrics.proof_queue.set(self.store.unproven() if queued is None else queued)
        waiting = self.store.payouts.waiting_counts()
        for c in self.chains.values():
            self.metrics.payouts_waiting.labels(c.name).set(waiting.get(c.id, 0))

    def _make_available(self) -> None:
        assert self.availability is not None
        self.availability.step(self.primary.rollup.counter(Stage.COMMITTED))

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
        profile = self.profile
        number = self.builder.ledger.last_block + 1
        ready = self._ready_requests()
        waiting_withdrawals = len(self.mempool.select(profile.n_op, 0)[0])
        share = request_slots(profile.n_op, len(ready), waiting_withdrawals, number)
        requests = in_turn(ready, share, number)
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
                block = self.builder.build(ops, transfer_txs, signatures_verified=True)  # at intake
                break
            except SlotRejected as exc:  # a transaction the pending state accepted no longer applies
                if exc.kind == "op" and exc.slot < len(requests):
                    # Never a halted daemon (issue 14 point 5): the request is marked, its chain's queue
                    # waits at it (until exodus refunds it), and every other chain goes on.
                    refused = requests[exc.slot]
                    self.store.refuse_request(refused.chain, refused.serial, f"{exc.code}: {exc}")
                    log.error(
                        "chain %d's request %d refused by the L2 state (%s): that chain's queue waits at it",
                        refused.chain,
                        refused.serial,
                        exc,
                    )
                    later = [r for r in requests if r.chain == refused.chain and r.serial >= refused.serial]
                    for r in later:
                        ops.pop(requests.index(r))
                        requests.remove(r)
                    continue
                pool = withdraws if exc.kind == "op" else transfers
                victim = pool.pop(exc.slot - len(requests) if exc.kind == "op" else exc.slot)
                if exc.kind == "op":
                    ops.pop(exc.slot)
                dropped.append((victim.hash, f"{exc.code}: {exc}"))
        included = [p.hash for p in withdraws + transfers]
        dropped += self.mempool.rebase(included + [h for h, _ in dropped])
        body = block_body(list(block.ops), list(block.transfers))
        build_seconds = time.perf_counter() - started
        self.store.add_block(
            StoredBlock(
                block.number,
                block.timestamp,
                body,
                block.new_root,
                time.time(),
                build_seconds,
            ),
            included,
            [(r.chain, r.serial) for r in requests],
            dropped,
        )
        self._count_serials(list(block.ops))
        self.metrics.build_seconds.observe(build_seconds)
        self.metrics.last_block.set(block.number)
        log.info(
            "block %d built: %d requests, %d withdrawals, %d transfers%s",
            block.number,
            len(requests),
            len(withdraws),
            len(transfers),
            f", {len(dropped)} dropped" if dropped else "",
        )
        crashpoint("block-built")
        return block

    # -- observing the chains --------------------------------------------------------------------------

    def observe(self) -> None:
        """Read every chain's counters; store when each block first reached each stage there."""
        marks: list[tuple[int, int, Stage]] = []
        for c in self.chains.values():
            counters = c.rollup.counters()
            for stage, value in counters.items():
                self.metrics.chain_blocks.labels(c.name, stage.value).set(value)
                last = self._marked.get((c.id, stage), 0)
                if value > last:
                    numbers = [i.block_number for i in self.builder.ledger.blocks_of(c.id, last, value)]
                    marks += [(n, c.id, stage) for n in numbers]
                    self._marked[(c.id, stage)] = value
            self.counters[c.id] = counters
        if marks:
            now = time.time()
            new = self.store.mark_stages(marks, now)
            built = self.store.built_times(n for n, _, _ in new)
            for n, chain, reached in new:
                name = self.chains[chain].name
                self.metrics.stage_latency.labels(name, reached).observe(max(0.0, now - built[n]))
            for n, chain, stage in marks:
                log.info("block %d %s on %s", n, stage, self.chains[chain].name)

    def pay_out(self) -> None:
        """Queue the payouts of newly executed blocks on each chain, then push every payout that is due;
        each chain and each payout on its own, so no failure holds up another (sequencer/payouts.py)."""
        for c in self.chains.values():
            executed = self.counters.get(c.id, {}).get(Stage.EXECUTED, 0)
            self._guard(f"{c.name}: queue payouts", partial(self.payouts.queue, c, executed))
        self.payouts.push()

    def close(self) -> None:
        self.prover.stop.set()
        if self.prover.ident is not None:  # started (a node used without its daemon never starts it)
            self.prover.join(timeout=60)
        self.store.close()
