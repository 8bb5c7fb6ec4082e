"""The proving cluster (orchestrator/prover/cluster.py) on real Dask clusters and real Groth16 proofs of
the test profile: blocks proven in parallel, a worker killed mid-proof, a cluster joined by address, and
the errors a user sees."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psutil
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
from orchestrator.prover.groth16 import Groth16PyBackend
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
    cluster = local_cluster(2, str(tmp_path), secure=False)
    try:
        yield cluster
    finally:
        cluster.close()


def test_joined_cluster_survives_a_worker_killed_mid_proof(
    keys_built: BlockProver,
    blocks: list[Block],
    existing_cluster: LocalCluster,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The sequencer's prover thread joins a cluster by address and keeps both its workers proving at once;
    one is SIGKILLed mid-proof. Every block ends with one stored proof that verifies, checked here too, and
    the killed worker's block was proven by another."""
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
        victim = _both_workers_proving(watcher)
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


def _both_workers_proving(client: Client) -> str:
    """Wait until each of the two workers runs a proof at once; one of them."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        processing = client.processing().items()
        busy = [w for w, keys in processing if any(str(k).startswith("prove-block-") for k in keys)]
        if len(busy) == 2:
            return str(busy[0])
        time.sleep(0.05)
    raise AssertionError(f"the two workers never proved at once: {client.processing()}")


def test_a_lost_scheduler_stops_the_prover_with_one_error(keys_built: BlockProver, tmp_path: Path) -> None:
    """Not a prover thread that died quietly, leaving a sequencer that builds blocks no one proves."""
    cluster = local_cluster(1, str(tmp_path), secure=False)
    ledger = SettlementLedger(1, [1], L2State(get_profile(PROFILE)).root)
    store = SequencerStore(tmp_path / "sequencer.db")
    settings = replace(SequencerConfig(), prover_cluster=cluster.scheduler_address, prover_preload=False)
    thread = ProverThread(ledger, PROFILE, store, settings)
    try:
        thread.start()
        time.sleep(2)
        assert thread.error is None and thread.is_alive()
        cluster.close()
        deadline = time.monotonic() + 60
        while thread.error is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert isinstance(thread.error, ProverError)
        assert str(thread.error).startswith("the prover cluster failed")
    finally:
        thread.stop.set()
        thread.join(timeout=30)
        cluster.close()
        store.close()
    assert not thread.is_alive()


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


def test_a_local_cluster_is_loopback_tls_only_and_gone_after_close(keys_built: BlockProver) -> None:
    cluster = ProverCluster(PROFILE, workers=1, preload=False)
    pids = {os.getpid(), *cluster.client.run(os.getpid).values()}
    listening = [
        c.laddr
        for pid in pids
        for c in psutil.Process(pid).net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN
    ]
    address = cluster.address
    try:
        assert address.startswith("tls://127.0.0.1:")
        _refuses_a_stranger(address)
    finally:
        cluster.close()
    assert listening and all(addr.ip == "127.0.0.1" for addr in listening), listening
    assert not any(addr.port == 8787 for addr in listening)  # no fixed port: clusters side by side
    pids.discard(os.getpid())
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)


def _refuses_a_stranger(address: str) -> None:
    """Another local user's TLS client, without this cluster's certificate: the handshake fails."""
    host, port = address.removeprefix("tls://").rsplit(":", 1)
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # it accepts any server
    with (
        socket.create_connection((host, int(port)), timeout=5) as raw,
        pytest.raises(OSError),  # ssl.SSLError, or the connection reset by the scheduler
        context.wrap_socket(raw) as tls,
    ):
        tls.sendall(b"\x00" * 8)
        assert tls.recv(1) != b""  # a server that let us in would answer or wait, never close
