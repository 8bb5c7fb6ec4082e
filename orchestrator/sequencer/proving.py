"""Proofs for the sequencer's blocks: proved on the prover cluster, several at once, stored the moment
each exists, and given to the stage runner from the store (`StoredProofs`), so that a restart proves only
what has no stored proof and verifies on chain only proofs that exist. The runner verifies them on chain
in block order: a proof that finishes early waits in the store for those before it.

The cluster (orchestrator/prover/cluster.py) is a local Dask cluster the thread starts, whose worker
processes die with the sequencer (kill -9 included), or an existing one joined by address.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

from distributed import Future

from orchestrator.config import SequencerConfig
from orchestrator.crashpoints import crashpoint
from orchestrator.errors import ProverError, RollupError
from orchestrator.prover.cluster import ProverCluster, WorkerProof
from orchestrator.prover.groth16 import Proof
from orchestrator.settlement.ledger import SettlementLedger
from orchestrator.store.sequencer import SequencerStore

log = logging.getLogger("sequencer")

CAPACITY_READ_S = 5.0
"""How often the thread asks the scheduler how many workers the cluster has."""


class StoredProofs:
    """The runner's proof source: proofs the prover thread stored (None until it did)."""

    def __init__(self, store: SequencerStore) -> None:
        self.store = store

    def proof(self, number: int) -> Proof | None:
        saved = self.store.proof(number)
        return None if saved is None else Proof.from_bytes(bytes.fromhex(saved["hex"]))


class ProverThread(threading.Thread):
    """Keeps the cluster busy with the ledger's blocks that have no stored proof (as many in flight as
    the cluster has worker threads, and one more queued), and stores each proof as it arrives."""

    def __init__(
        self,
        ledger: SettlementLedger,
        profile: str,
        store: SequencerStore,
        settings: SequencerConfig,
        scratch_root: Path | None = None,
        timed: Callable[[float], None] | None = None,
    ) -> None:
        """`timed(seconds)` is told each proof's time (the daemon's histogram)."""
        super().__init__(name="prover", daemon=True)
        self.ledger, self.profile, self.store, self.settings = ledger, profile, store, settings
        self.scratch_root = scratch_root
        self.timed = timed
        self.queued: int | None = None  # blocks without a stored proof, once the loop has looked
        self.stop = threading.Event()
        self.error: Exception | None = None

    def run(self) -> None:
        """Until `stop`, or the first failure, which the daemon reads from `error` and stops on: a prover
        that died quietly would leave a sequencer that builds blocks no one proves."""
        try:
            settings = self.settings
            if self.scratch_root is not None:  # a killed sequencer's scratch: only one runs per home
                shutil.rmtree(self.scratch_root, ignore_errors=True)
            cluster = ProverCluster(
                self.profile,
                settings.prover_cluster,
                settings.prover_workers,
                settings.prover_preload,
                self.scratch_root,
            )
        except Exception as exc:
            self.error = _as_error(exc)
            return
        try:
            self._loop(cluster)
        except Exception as exc:
            self.error = _as_error(exc)
            log.error("%s", self.error)
        finally:
            cluster.close()

    def _loop(self, cluster: ProverCluster) -> None:
        in_flight: dict[int, Future[WorkerProof]] = {}
        next_block, capacity, capacity_read = 1, 1, 0.0
        while not self.stop.is_set():
            if time.monotonic() - capacity_read > CAPACITY_READ_S:  # workers may join or leave
                capacity, capacity_read = max(cluster.capacity(), 1), time.monotonic()
            while len(in_flight) <= capacity and next_block <= self.ledger.last_block:
                if self.store.proof(next_block) is None:
                    in_flight[next_block] = cluster.submit(self.ledger.block(next_block))
                next_block += 1
            # every block below next_block has a stored proof or is in flight
            self.queued = len(in_flight) + self.ledger.last_block - next_block + 1
            done = [n for n, future in in_flight.items() if cluster.ready(future)]
            for number in sorted(done):
                proof = cluster.result(self.ledger.block(number), in_flight.pop(number))
                self.store.save_proof(number, {"hex": proof.blob.hex()}, proof.seconds)
                if self.timed is not None:
                    self.timed(proof.seconds)
                log.info("block %d proven off-chain in %.1f s on %s", number, proof.seconds, proof.worker)
                crashpoint("proof-saved")
            if not done:
                self.stop.wait(0.1)


def _as_error(exc: Exception) -> RollupError:
    """A `RollupError` as it is; anything else (the cluster's connection lost, ...) as one that says so."""
    if isinstance(exc, RollupError):
        return exc
    return ProverError(f"the prover cluster failed: {exc!r}")
