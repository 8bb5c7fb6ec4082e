"""Block proofs on a Dask distributed cluster (docs/daemons.md, "Proving on a cluster").

A `ProverCluster` is a Dask client: by default of a local cluster it starts (one worker process per core
asked for, one thread each: a proof holds a core), or of an existing scheduler given by address, whose
workers may be on other machines. Either way each worker loads the profile's proving key once, as soon as
it joins (`KeepKeyLoaded`; or at its first proof without preloading), and keeps it for every later proof.

Dask carries the retries: a worker lost mid-proof (killed, out of memory, its machine gone) makes the
scheduler run the task again on another worker, up to `distributed.scheduler.allowed-failures` times.
A proof's result reaches the client once, whatever ran it. The client trusts no worker: it checks every
proof against its own verifying key before the proof is stored (`ProverCluster.result`).
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import dask
from distributed import Client, Future, LocalCluster, get_worker
from distributed.diagnostics.plugin import WorkerPlugin
from distributed.security import Security
from distributed.worker import Worker

from orchestrator.errors import ProverError
from orchestrator.l2.block import Block
from orchestrator.prover.groth16 import Proof, VerifyingKey
from orchestrator.prover.profiles import BlockProver

log = logging.getLogger("prover")

CONNECT_TIMEOUT_S = 10
"""How long joining an existing scheduler may take before it is an error."""

QUIET = {
    "distributed.worker.profile.enabled": False,  # a sampling profiler every 10 ms in every worker
    "distributed.admin.tick.interval": "1s",  # the event-loop watchdog, 20 ms by default
    "distributed.admin.system-monitor.interval": "5s",  # psutil readings, 500 ms by default
    "distributed.worker.memory.monitor-interval": "5s",  # no memory limit to watch (100 ms by default)
}
"""A local cluster's housekeeping, slowed down: idle, the defaults cost a sequencer with one worker 8% of
a core (measured), which beside anvil and the other daemons on a 2-core machine is not idle at all."""


# -- on a worker ------------------------------------------------------------------------------------------

_provers: dict[str, BlockProver] = {}
_loading = threading.Lock()


def _worker_prover(profile: str, verifying_key: VerifyingKey) -> BlockProver:
    """This worker's prover of `profile`, its proving key loaded (the first call loads it, once). It
    must hold the client's keys: a worker whose cache holds other keys would make proofs that the
    deployed verifier refuses."""
    with _loading:
        prover = _provers.get(profile)
        if prover is None:
            prover = BlockProver(profile, build=False)
            if prover.keys.verifying_key == verifying_key:  # the load is long: only for the right key
                prover.load()
                _provers[profile] = prover
    if prover.keys.verifying_key != verifying_key:
        raise ProverError(
            f"prover worker {_address()} holds other {profile} keys than the sequencer: "
            "copy the sequencer's key cache to that machine"
        )
    return prover


def _address() -> str:
    try:
        return str(get_worker().address)
    except ValueError:  # not inside a worker (a test calling the task directly)
        return "(no worker)"


class KeepKeyLoaded(WorkerPlugin):
    """Loads the proving key on every worker that joins (restarted ones too), in the background: the
    worker keeps answering the scheduler meanwhile, and a proof that arrives first waits for the load."""

    def __init__(self, profile: str, verifying_key: VerifyingKey) -> None:
        self.profile, self.verifying_key = profile, verifying_key
        self.name = f"rollup-prover-{profile}"  # registering it again (a restarted sequencer) replaces it

    def setup(self, worker: Worker) -> None:
        threading.Thread(target=self._load, name="load-proving-key", daemon=True).start()

    def _load(self) -> None:
        try:
            _worker_prover(self.profile, self.verifying_key)
        except ProverError as exc:  # the first proof raises it again, to the client
            log.error("%s", exc)


@dataclass(frozen=True)
class WorkerProof:
    """What a task returns: the proof's bytes, the seconds the worker spent (witness and proof), who."""

    blob: bytes
    seconds: float
    worker: str


def prove_block(profile: str, verifying_key: VerifyingKey, block: Block) -> WorkerProof:
    """The task that runs on a worker."""
    prover = _worker_prover(profile, verifying_key)
    started = time.perf_counter()
    proof = prover.prove(block)
    return WorkerProof(proof.to_bytes(), time.perf_counter() - started, _address())


def load_key(profile: str, verifying_key: VerifyingKey) -> str:
    """The task `ProverCluster.warm` sends each worker: returns once the worker holds the key."""
    _worker_prover(profile, verifying_key)
    return _address()


def local_cluster(workers: int, scratch: str, secure: bool = True) -> LocalCluster:
    """A cluster on this machine: `workers` processes of one thread (a proof holds a core), on loopback
    only, no dashboard, no fixed port, every scratch file (the scheduler's too) under `scratch`.

    Its connections are TLS with certificates made for this cluster alone (`Security.temporary`): a Dask
    client runs any code it likes in the scheduler, which is the sequencer's own process and holds the
    operator's key, so another user of the machine must not be able to connect. `secure=False`: plain
    TCP, for tests that play a cluster someone else runs and the sequencer joins by address."""
    with dask.config.set({"temporary-directory": scratch, **QUIET}):
        return LocalCluster(
            protocol="tls://" if secure else "tcp://",
            security=Security.temporary() if secure else Security(),
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            scheduler_port=0,
            dashboard_address="127.0.0.1:0",  # the scheduler's HTTP routes (/health): loopback, any free port
            scheduler_kwargs={"dashboard": False},
            memory_limit=0,  # a proof's memory is the prover's own, not Dask data to spill
            local_directory=scratch,
            silence_logs=logging.WARNING,
        )


# -- on the sequencer -------------------------------------------------------------------------------------


class ProverCluster:
    """The sequencer's handle on the proving cluster: submit blocks, take checked proofs back."""

    def __init__(
        self,
        profile: str,
        address: str = "",
        workers: int = 2,
        preload: bool = True,
        scratch_root: Path | None = None,
    ) -> None:
        """`preload`: every worker loads the key when it joins (else at its first proof). `scratch_root`:
        where the local cluster's scratch directory goes (default: the system's temporary directory); the
        sequencer gives its home's, which `rollup devnet down` clears, so a kill -9 leaves nothing behind."""
        self.profile = profile
        self.prover = BlockProver(profile)  # the keys the chain's verifier was made from
        self.verifying_key = self.prover.keys.verifying_key
        self.cluster: LocalCluster | None = None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        if address:
            try:
                self.client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise ProverError(f"cannot join the prover cluster at {address}: {exc}") from None
        else:
            if scratch_root is not None:
                scratch_root.mkdir(parents=True, exist_ok=True)
            self._scratch = tempfile.TemporaryDirectory(prefix="rollup-prover-", dir=scratch_root)
            self.cluster = local_cluster(workers, self._scratch.name)
            self.client = Client(self.cluster, security=self.cluster.security, set_as_default=False)
        if preload:
            self.client.register_plugin(KeepKeyLoaded(profile, self.verifying_key))
        log.info("prover cluster: %s, %d workers", self.address, self.capacity())

    @property
    def address(self) -> str:
        return str(self.client.scheduler_info()["address"])

    def capacity(self) -> int:
        """Proofs the cluster can run at once now (workers come and go)."""
        return sum(self.client.nthreads().values())

    def warm(self) -> None:
        """Wait until every worker of the cluster holds the proving key (each loads it when it joins)."""
        workers = list(self.client.nthreads())
        futures = [
            self.client.submit(load_key, self.profile, self.verifying_key, workers=[w], pure=False)
            for w in workers
        ]
        for future in futures:
            try:
                future.result()
            except ProverError:
                raise
            except Exception as exc:
                raise ProverError(f"a prover worker could not load the key: {exc!r}") from None

    def submit(self, block: Block) -> Future[WorkerProof]:
        key = f"prove-block-{block.number}-{uuid.uuid4().hex[:12]}"  # unique: clusters may be shared
        return self.client.submit(prove_block, self.profile, self.verifying_key, block, key=key)

    @staticmethod
    def ready(future: Future[WorkerProof]) -> bool:
        """Whether `future` has finished (a proof or an error)."""
        return bool(future.done())

    def result(self, block: Block, future: Future[WorkerProof]) -> WorkerProof:
        """The finished future's proof, checked here against the block's public input: a worker's error
        becomes a `ProverError`, and so does a proof that does not verify."""
        try:
            done: WorkerProof = future.result()
        except ProverError:
            raise
        except Exception as exc:  # KilledWorker after repeated losses, a lost scheduler, ...
            raise ProverError(f"block {block.number} could not be proven on the cluster: {exc!r}") from None
        proof = Proof.from_bytes(done.blob)
        if not self.prover.backend.verify(self.verifying_key, proof, (block.public_input,)):
            raise ProverError(f"block {block.number}: worker {done.worker} sent a proof that does not verify")
        return done

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        if self._scratch is not None:
            self._scratch.cleanup()
