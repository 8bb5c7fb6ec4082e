"""Proofs for the sequencer's blocks: proved in order by a thread, stored the moment each exists, and given
to the stage runner from the store (`StoredProofs`), so that a restart proves only what has no stored
proof and verifies on chain only proofs that exist.

The proof itself runs in a child process that keeps the key loaded: the prover holds the GIL, and the
sequencer's loop must keep moving while it works. The child dies with the sequencer (kill -9 included).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from orchestrator.crashpoints import crashpoint
from orchestrator.devnet.node import die_with_parent
from orchestrator.errors import RollupError
from orchestrator.l2.block import Block
from orchestrator.prover.groth16 import Proof
from orchestrator.prover.profiles import BlockProver
from orchestrator.settlement.ledger import SettlementLedger
from orchestrator.store.sequencer import SequencerStore

log = logging.getLogger("sequencer")


class StoredProofs:
    """The runner's proof source: proofs the prover thread stored (None until it did)."""

    def __init__(self, store: SequencerStore) -> None:
        self.store = store

    def proof(self, number: int) -> Proof | None:
        saved = self.store.proof(number)
        return None if saved is None else Proof.from_bytes(bytes.fromhex(saved["hex"]))


_worker_prover: BlockProver | None = None


def _load_prover(profile: str, parent_pid: int) -> None:
    global _worker_prover
    die_with_parent(parent_pid)()  # a kill -9 of the sequencer must not leave its prover behind
    _worker_prover = BlockProver(profile)


def _prove_in_worker(block: Block) -> Proof:
    assert _worker_prover is not None
    return _worker_prover.prove(block)


class ProverThread(threading.Thread):
    """Proves the ledger's blocks in order and stores each proof the moment it exists."""

    def __init__(self, ledger: SettlementLedger, profile: str, store: SequencerStore) -> None:
        super().__init__(name="prover", daemon=True)
        self.ledger, self.profile, self.store = ledger, profile, store
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
            if number > self.ledger.last_block:
                self.stop.wait(0.1)
                continue
            if self.store.proof(number) is not None:
                number += 1
                continue
            started = time.monotonic()
            try:
                proof = pool.submit(_prove_in_worker, self.ledger.block(number)).result()
            except (RollupError, BrokenProcessPool) as exc:
                self.error = exc
                log.error("block %d cannot be proven: %s", number, exc)
                return
            seconds = time.monotonic() - started
            self.store.save_proof(number, {"hex": proof.to_bytes().hex()}, seconds)
            log.info("block %d proven off-chain in %.1f s", number, seconds)
            crashpoint("proof-saved")
            number += 1
