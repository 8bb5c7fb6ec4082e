"""The proving cluster (orchestrator/prover/cluster.py) on real Dask clusters and real Groth16 proofs of
the test profile: blocks proven in parallel, a worker killed mid-proof, a cluster joined by address, and
the errors a user sees."""

from __future__ import annotations

import logging
import os
import re
import signal
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from distributed import Client, LocalCluster

from orchestrator.bench.cluster import full_blocks
from orchestrator.config import SequencerConfig
from orchestrator.devnet.node import free_ports
from orchestrator.errors import ProverError
from orchestrator.l2.block import Block
from orchestrator.l2.params import get_profile
from orchestrator.l2.state import L2State
from orchestrator.prover import cluster as cluster_module
from orchestrator.prover.cluster import ProverCluster, local_cluster, prove_block
from orchestrator.prover.groth16 import Groth16PyBackend, Proof
from orchestrator.prover.profiles import BlockProver
from orchestrator.sequencer.proving import ProverThread, StoredProofs
from orchestrator.settlement.ledger import SettlementLedger
from orchestrator.store.sequencer import SequencerStore

pytestmark = pytest.mark.integration

PROFILE = "test"


@pytest.fixture(scope="module")
def blocks() -> list[Block]:
    return full_blocks(PROFILE, 3)


@pytest.fixture(scope="module")
def keys_built() -> BlockProver:
    return BlockProver(PROFILE)  # compiles and sets up on a fresh machine; the workers only read


@pytest.fixture
def existing_cluster(tmp_path: Path) -> Iterator[LocalCluster]:
    """A cluster someone else runs: two worker processes the test can see and kill."""
    cluster = local_cluster(2, str(tmp_path))
    try:
        yield cluster
    finally:
        cluster.close()


def test_two_workers_prove_blocks_at_once_and_every_proof_is_checked(
    keys_built: BlockProver, blocks: list[Block]
) -> None:
    cluster = ProverCluster(PROFILE, workers=2)
    try:
        assert cluster.capacity() == 2
        cluster.warm()
        futures = [(b, cluster.submit(b)) for b in blocks]
        proofs = [cluster.result(b, f) for b, f in futures]
    finally:
        cluster.close()
    assert len({p.worker for p in proofs}) == 2  # both workers proved
    backend = Groth16PyBackend()
    for block, proof in zip(blocks, proofs, strict=True):
        assert backend.verify(
            keys_built.keys.verifying_key, Proof.from_bytes(proof.blob), (block.public_input,)
        )


def test_joined_cluster_survives_a_worker_killed_mid_proof(
    keys_built: BlockProver,
    blocks: list[Block],
    existing_cluster: LocalCluster,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The sequencer's prover thread joins a cluster by address; one worker is SIGKILLed while it proves.
    Every block ends with one stored proof that verifies, and the killed one was proven elsewhere."""
    ledger = SettlementLedger(1, [1], L2State(get_profile(PROFILE)).root)
    for block in blocks:
        ledger.add(block)
    store = SequencerStore(tmp_path / "sequencer.db")
    settings = replace(SequencerConfig(), prover_cluster=existing_cluster.scheduler_address)
    thread = ProverThread(ledger, PROFILE, store, settings)
    watcher = Client(existing_cluster, set_as_default=False)
    caplog.set_level(logging.INFO, logger="sequencer")
    try:
        pids = watcher.run(os.getpid)
        thread.start()
        victim = _a_worker_proving(watcher)
        time.sleep(1.0)  # into the proof, past the witness
        os.kill(pids[victim], signal.SIGKILL)
        deadline = time.monotonic() + 240
        while any(store.proof(n) is None for n in (1, 2, 3)):
            assert thread.error is None, thread.error
            assert time.monotonic() < deadline, "the blocks were not all proven"
            time.sleep(0.5)
    finally:
        thread.stop.set()
        thread.join(timeout=60)
        watcher.close()
    proven = re.findall(r"block (\d+) proven off-chain in [\d.]+ s on (\S+)", caplog.text)
    assert sorted(int(n) for n, _ in proven) == [1, 2, 3]  # each block proven and stored once
    assert victim not in {worker for _, worker in proven}  # the killed worker's proof came from another
    stored = StoredProofs(store)
    backend = Groth16PyBackend()
    for block in blocks:
        proof = stored.proof(block.number)
        assert proof is not None
        assert backend.verify(keys_built.keys.verifying_key, proof, (block.public_input,))
    store.close()


def _a_worker_proving(client: Client) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for worker, keys in client.processing().items():
            if any(str(k).startswith("prove-block-") for k in keys):
                return str(worker)
        time.sleep(0.05)
    raise AssertionError("no worker started a proof")


def test_a_worker_holding_other_keys_refuses_before_loading_them(
    keys_built: BlockProver, blocks: list[Block]
) -> None:
    vk = keys_built.keys.verifying_key
    other = replace(vk, alpha1=(vk.alpha1[0], (vk.alpha1[1] + 1)))
    started = time.perf_counter()
    with pytest.raises(ProverError, match="holds other test keys than the sequencer"):
        prove_block(PROFILE, other, blocks[0])
    assert time.perf_counter() - started < 5  # the proving key (seconds to load) was not read


def test_an_unreachable_cluster_is_one_clear_error(
    keys_built: BlockProver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT_S", 2)
    (port,) = free_ports(1)
    with pytest.raises(ProverError, match=f"cannot join the prover cluster at tcp://127.0.0.1:{port}"):
        ProverCluster(PROFILE, address=f"tcp://127.0.0.1:{port}")


def test_the_cluster_is_gone_after_close(keys_built: BlockProver) -> None:
    cluster = ProverCluster(PROFILE, workers=1)
    pids = set(cluster.client.run(os.getpid).values())
    cluster.close()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)
